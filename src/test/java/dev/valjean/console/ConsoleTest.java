package dev.valjean.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.PasswordHasher;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Sessions, CSRF, throttling and the audit trail of the console, at the HTTP level. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConsoleTest {

    static final String PASSWORD = "a long enough admin password";
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @Inject
    TestData data;
    @Inject
    PasswordHasher hasher;

    /** A browser's cookies and the last CSRF token it saw. */
    static final class Visitor {
        final Map<String, String> cookies = new java.util.HashMap<>();
        String csrf;

        Response get(String path) {
            Response r = given().redirects().follow(false).cookies(cookies).get(path);
            keep(r);
            return r;
        }

        Response post(String path, Map<String, String> form) {
            var request = given().redirects().follow(false).cookies(cookies).contentType("application/x-www-form-urlencoded");
            form.forEach(request::formParam);
            Response r = request.post(path);
            keep(r);
            return r;
        }

        private void keep(Response r) {
            cookies.putAll(r.getCookies());
            Matcher m = CSRF.matcher(r.asString());
            if (m.find()) {
                csrf = m.group(1);
            }
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        data.reset();
        data.execute("INSERT INTO person (email, email_normalized, name, role, password_hash, created_at) VALUES "
                + "('ada@valjean.test', 'ada@valjean.test', 'Ada Admin', 'ADMIN', '" + hasher.hash(PASSWORD) + "', now())");
    }

    private Visitor signedIn() {
        Visitor ada = new Visitor();
        ada.get("/console/sign-in");
        ada.post("/console/sign-in", Map.of("_csrf", ada.csrf, "email", "ada@valjean.test", "password", PASSWORD, "then", "/console/people"))
                .then().statusCode(303).header("Location", containsString("/console/people"));
        ada.get("/console/people").then().statusCode(200);
        return ada;
    }

    @Test
    void a_state_changing_request_without_the_csrf_token_is_refused_and_changes_nothing() throws Exception {
        Visitor ada = signedIn();
        Map<String, String> invite = Map.of("name", "Eve", "email", "eve@valjean.test", "role", "EDITOR");
        ada.post("/console/people", invite).then().statusCode(403).body(containsString("This form has expired"));
        var forged = new java.util.HashMap<>(invite);
        forged.put("_csrf", "AAAAAAAAAAAAAAAAAAAAAA");
        ada.post("/console/people", forged).then().statusCode(403);
        assertEquals(0, data.count("SELECT count(*) FROM person WHERE email = 'eve@valjean.test'"));
        forged.put("_csrf", ada.csrf);
        ada.post("/console/people", forged).then().statusCode(303);
        assertEquals(1, data.count("SELECT count(*) FROM person WHERE email = 'eve@valjean.test'"));
    }

    @Test
    void a_cookie_from_a_signed_out_session_is_refused() {
        Visitor ada = signedIn();
        String cookie = ada.cookies.get("vj_session");
        ada.post("/console/sign-out", Map.of("_csrf", ada.csrf)).then().statusCode(303);
        given().redirects().follow(false).cookie("vj_session", cookie).get("/console/people").then().statusCode(303)
                .header("Location", containsString("/console/sign-in"));
    }

    @Test
    void the_session_cookie_is_http_only_and_same_site_strict() {
        Visitor ada = new Visitor();
        ada.get("/console/sign-in");
        Response r = ada.post("/console/sign-in", Map.of("_csrf", ada.csrf, "email", "ada@valjean.test", "password", PASSWORD, "then", "/console"));
        String setCookie = r.getHeaders().getValues("Set-Cookie").stream().filter(c -> c.startsWith("vj_session=")).findFirst().orElseThrow();
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), setCookie);
        given().get("/console/sign-in").then().header("Content-Security-Policy", containsString("script-src 'self';"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"));
    }

    @Test
    void repeated_sign_in_failures_slow_down_even_for_the_right_password_then_a_success_clears_the_account() throws Exception {
        Visitor mallory = new Visitor();
        mallory.get("/console/sign-in");
        for (int i = 0; i < 5; i++) {
            mallory.post("/console/sign-in", Map.of("_csrf", mallory.csrf, "email", "ada@valjean.test", "password", "guess number " + i))
                    .then().statusCode(401).body(containsString("do not match an account"));
        }
        Response throttled = mallory.post("/console/sign-in", Map.of("_csrf", mallory.csrf, "email", "ada@valjean.test", "password", "guess 6"));
        throttled.then().statusCode(401);
        Response blocked = mallory.post("/console/sign-in", Map.of("_csrf", mallory.csrf, "email", "ada@valjean.test", "password", PASSWORD));
        blocked.then().statusCode(429).body(containsString("Too many failed sign-ins")).header("Retry-After", org.hamcrest.Matchers.notNullValue());
        assertEquals(6, data.count("SELECT failures FROM sign_in_throttle WHERE key = 'account:ada@valjean.test'"));
        // Once the wait is over, the right password works and forgets the account's failures.
        data.execute("UPDATE sign_in_throttle SET blocked_until = now() - interval '1 second'");
        mallory.post("/console/sign-in", Map.of("_csrf", mallory.csrf, "email", "ada@valjean.test", "password", PASSWORD)).then().statusCode(303);
        assertEquals(0, data.count("SELECT count(*) FROM sign_in_throttle WHERE key = 'account:ada@valjean.test'"));
    }

    @Test
    void a_weak_password_is_refused_beside_its_field_and_the_link_works_once() throws Exception {
        Visitor ada = signedIn();
        ada.post("/console/people", Map.of("_csrf", ada.csrf, "name", "Eve", "email", "eve@valjean.test", "role", "EDITOR")).then().statusCode(303);
        String link = dev.valjean.support.Visitor.text(awaitMail("eve@valjean.test"))
                .replaceAll("(?s).*https://valjean.test(/console/invitation/[A-Za-z0-9_-]+).*", "$1");
        Visitor eve = new Visitor();
        eve.get(link).then().statusCode(200).body(containsString("Choose your password"));
        eve.post(link, Map.of("_csrf", eve.csrf, "password", "short", "repeat", "short")).then().statusCode(422)
                .body(containsString("at least 12 characters"));
        eve.post(link, Map.of("_csrf", eve.csrf, "password", "eve chooses well", "repeat", "eve chooses well")).then().statusCode(303);
        eve.get("/console").then().statusCode(200).body(containsString("Eve"));
        new Visitor().get(link).then().statusCode(410);
    }

    @Test
    void the_audit_trail_names_who_did_each_action() throws Exception {
        Visitor ada = signedIn();
        ada.post("/console/people", Map.of("_csrf", ada.csrf, "name", "Eve", "email", "eve@valjean.test", "role", "SALES")).then().statusCode(303);
        data.request().contentType("application/json").body(Map.of("name", "ci", "role", "EDITOR")).post("/api/v1/tokens").then().statusCode(201);
        assertEquals("Ada Admin <ada@valjean.test>", data.text("SELECT actor_name FROM audit_event WHERE action = 'person.invited'"));
        assertEquals("PERSON", data.text("SELECT actor_kind FROM audit_event WHERE action = 'session.signed_in'"));
        assertEquals("TOKEN", data.text("SELECT actor_kind FROM audit_event WHERE action = 'token.created'"));
        ada.get("/console/audit?action=person.invited").then().statusCode(200).body(containsString("person.invited"))
                .body(org.hamcrest.Matchers.not(containsString("token.created")));
        assertThrowsOnUpdate();
    }

    @Test
    void a_logo_uploaded_in_the_console_is_served_by_valjean_on_the_hosted_pages_and_an_svg_is_refused() throws Exception {
        data.newsletter("weekly");
        Visitor ada = signedIn();
        ada.get("/console/newsletters/weekly/settings").then().statusCode(200);
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(40, 20, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);

        io.restassured.RestAssured.given().redirects().follow(false).cookies(ada.cookies).multiPart("_csrf", ada.csrf)
                .multiPart("brandName", "Acme Notes").multiPart("accent", "#0f766e")
                .multiPart("logo", "logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".getBytes(), "image/svg+xml")
                .post("/console/newsletters/weekly/settings/brand").then().statusCode(422).body(containsString("SVG is not accepted"));
        io.restassured.RestAssured.given().redirects().follow(false).cookies(ada.cookies).multiPart("brandName", "Acme Notes")
                .multiPart("logo", "logo.png", png.toByteArray(), "image/png")
                .post("/console/newsletters/weekly/settings/brand").then().statusCode(403);
        io.restassured.RestAssured.given().redirects().follow(false).cookies(ada.cookies).multiPart("_csrf", ada.csrf)
                .multiPart("brandName", "Acme Notes").multiPart("accent", "#0f766e").multiPart("logo", "logo.png", png.toByteArray(), "image/png")
                .post("/console/newsletters/weekly/settings/brand").then().statusCode(303);

        String page = io.restassured.RestAssured.get("/subscribe/weekly").then().statusCode(200).extract().asString();
        assertTrue(page.contains("Acme Notes") && page.contains("#0f766e"), "the hosted page shows the brand");
        String logo = page.replaceAll("(?s).*<img src=\"(/brand/weekly/logo-[0-9a-f]{16})\".*", "$1");
        io.restassured.RestAssured.get(logo).then().statusCode(200).contentType("image/png")
                .header("Cache-Control", containsString("immutable"));
        assertTrue(io.restassured.RestAssured.get("/embed/weekly.js").asString().contains("#0f766e"), "the embedded form takes the colour");
        assertEquals("ADMIN", data.text("SELECT p.role FROM audit_event a JOIN person p ON p.id = a.actor_id WHERE a.action = 'newsletter.brand_changed'"));
    }

    @Test
    void only_a_console_path_is_followed_after_sign_in() {
        Visitor ada = new Visitor();
        ada.get("/console/sign-in");
        ada.post("/console/sign-in", Map.of("_csrf", ada.csrf, "email", "ada@valjean.test", "password", PASSWORD, "then", "https://evil.example/"))
                .then().statusCode(303).header("Location", org.hamcrest.Matchers.endsWith("/console"));
    }

    @Test
    void the_dkim_record_shown_on_the_operations_page_verifies_a_message_the_server_signed() throws Exception {
        Visitor ada = signedIn();
        String page = ada.get("/console/operations").then().statusCode(200).extract().asString();
        Matcher name = Pattern.compile("<code id=\"dkim-name\">([^<]+)</code>").matcher(page);
        Matcher record = Pattern.compile("<pre id=\"dkim-record\" class=\"wrap\">([^<]+)</pre>").matcher(page);
        assertTrue(name.find() && record.find(), "the page shows where and what to publish");
        assertEquals("test._domainkey.valjean.test", name.group(1));
        String txt = record.group(1).replace("&#x3D;", "=").replace("&#61;", "=");
        assertTrue(txt.startsWith("v=DKIM1; k=rsa; p=MII"), txt);

        data.enqueueListMail("reader@example.com", 1, "dkim-record");
        awaitMail("reader@example.com");
        jakarta.mail.internet.MimeMessage mail = SmtpServers.receivedBy("reader@example.com").get(0);
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        mail.writeTo(raw);
        java.util.List<String> asked = new java.util.ArrayList<>();
        var verified = new org.apache.james.jdkim.DKIMVerifier((method, selector, domain) -> {
            asked.add(selector + "._domainkey." + domain);
            return java.util.List.of(txt);
        }).verify(new java.io.ByteArrayInputStream(raw.toByteArray()));
        assertEquals(1, verified.size(), "one valid signature, verified with the record as the DNS answer");
        assertEquals(java.util.List.of("test._domainkey.valjean.test"), asked);

        // A record for another key does not verify it: the check can fail.
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String other = "v=DKIM1; k=rsa; p=" + java.util.Base64.getEncoder().encodeToString(generator.generateKeyPair().getPublic().getEncoded());
        boolean failed;
        try {
            failed = new org.apache.james.jdkim.DKIMVerifier((method, selector, domain) -> java.util.List.of(other))
                    .verify(new java.io.ByteArrayInputStream(raw.toByteArray())) == null;
        } catch (org.apache.james.jdkim.exceptions.FailException e) {
            failed = true;
        }
        assertTrue(failed, "another key's record must not verify");
    }

    @Test
    void a_newsletter_message_is_rendered_again_for_its_reader_exactly_as_they_received_it() throws Exception {
        data.newsletter("weekly");
        TestData.copyLayouts("newsletter");
        data.request().contentType("text/csv").body("email,name,consented_at,consent_source,consent_text,confirmed_at\n"
                + "rae@example.com,Rae,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n")
                .post("/api/v1/newsletters/weekly/imports").then().statusCode(201);
        int issue = data.request().contentType("application/json").body(Map.of("subject", "Three things", "layout", "default",
                "items", java.util.List.of(Map.of("title", "First thing", "body", "Worth *reading*.", "url", "https://example.com/1"))))
                .post("/api/v1/newsletters/weekly/issues").then().statusCode(201).extract().path("id");
        data.request().contentType("application/json").body("{}").post("/api/v1/issues/" + issue + "/send").then().statusCode(200);
        awaitMail("rae@example.com");
        String received = dev.valjean.support.Visitor.html(SmtpServers.receivedBy("rae@example.com").get(0));

        Visitor ada = signedIn();
        String found = ada.get("/console/contacts?q=rae").then().statusCode(200).extract().asString();
        Matcher person = Pattern.compile("href=\"(/console/contacts/\\d+)\">rae@example.com").matcher(found);
        assertTrue(person.find(), found);
        String page = ada.get(person.group(1)).then().statusCode(200).extract().asString();
        Matcher view = Pattern.compile("href=\"(" + person.group(1) + "/messages/\\d+)\"").matcher(page);
        assertTrue(view.find(), page);
        String shown = ada.get(view.group(1)).then().statusCode(200).extract().asString();
        assertTrue(shown.contains("Rendered again for this person"), shown);
        String srcdoc = org.jsoup.Jsoup.parse(shown).selectFirst("iframe").attr("srcdoc");
        assertEquals(received.replace("\r\n", "\n").strip(), srcdoc.replace("\r\n", "\n").strip(), "the reader's own message, links and all");
        assertTrue(srcdoc.contains("/unsubscribe/"), "with their own unsubscribe link");
    }

    @Test
    void an_admin_unsubscribes_a_person_from_one_newsletter_and_suppresses_them_from_their_page() throws Exception {
        data.newsletter("weekly");
        data.newsletter("monthly");
        String row = "rae@example.com,Rae,2024-01-01T10:00:00Z,https://old.example/form,Send it,2024-01-01T10:05:00Z\n";
        for (String slug : java.util.List.of("weekly", "monthly")) {
            data.request().contentType("text/csv").body("email,name,consented_at,consent_source,consent_text,confirmed_at\n" + row)
                    .post("/api/v1/newsletters/" + slug + "/imports").then().statusCode(201);
        }
        long id = data.count("SELECT id FROM contact WHERE email = 'rae@example.com'");
        Visitor ada = signedIn();
        ada.get("/console/contacts/" + id).then().statusCode(200);
        ada.post("/console/contacts/" + id + "/unsubscribe", Map.of("_csrf", ada.csrf, "newsletter", "weekly")).then().statusCode(303);
        assertEquals("UNSUBSCRIBED", data.text("SELECT s.status FROM subscription s JOIN newsletter n ON n.id = s.newsletter_id WHERE n.slug = 'weekly'"));
        assertEquals("CONFIRMED", data.text("SELECT s.status FROM subscription s JOIN newsletter n ON n.id = s.newsletter_id WHERE n.slug = 'monthly'"),
                "only the one newsletter");
        assertEquals("CONSOLE", data.text("SELECT source FROM consent_event WHERE event = 'UNSUBSCRIBED'"));
        ada.get("/console/contacts/" + id).then().statusCode(200);
        ada.post("/console/contacts/" + id + "/suppress", Map.of("_csrf", ada.csrf, "reason", "ERASURE")).then().statusCode(422);
        ada.post("/console/contacts/" + id + "/suppress", Map.of("_csrf", ada.csrf, "reason", "COMPLAINT", "detail", "said so on the phone"))
                .then().statusCode(303);
        assertEquals("COMPLAINT", data.text("SELECT reason FROM suppression"));
        assertEquals(2, data.count("SELECT count(*) FROM audit_event WHERE action IN ('subscription.unsubscribed', 'contact.suppressed') "
                + "AND actor_name = 'Ada Admin <ada@valjean.test>'"));
        ada.post("/console/contacts/999999/unsubscribe", Map.of("_csrf", ada.csrf, "newsletter", "weekly")).then().statusCode(404);
    }

    @Test
    void an_issue_whose_fan_out_is_still_being_queued_says_so_rather_than_a_total_of_zero() throws Exception {
        long newsletter = data.newsletter("weekly").id;
        long id = data.count("INSERT INTO issue (newsletter_id, subject, layout, items, status, started_at, created_at, updated_at) VALUES ("
                + newsletter + ", 'In parts', 'default', '[{\"title\":\"One\",\"body\":\"A line.\"}]', 'SENDING', now(), now(), now()) RETURNING id");
        data.execute("INSERT INTO issue_fanout (issue_id, part, after_id, through_id) VALUES (" + id + ", 0, 0, 100)");
        Visitor ada = signedIn();
        String page = ada.get("/console/issues/" + id).then().statusCode(200).extract().asString();
        assertTrue(page.contains("sent; readers are still being queued"), page);
        assertFalse(page.contains("of 0 sent"), page);

        data.execute("UPDATE issue_fanout SET added = 3, done_at = now(); UPDATE issue SET recipients = 3 WHERE id = " + id);
        assertTrue(ada.get("/console/issues/" + id).then().statusCode(200).extract().asString().contains("of 3 sent"));
    }

    @Test
    void a_layout_file_that_does_not_parse_is_listed_with_its_error_and_the_others_still_show() throws Exception {
        TestData.copyLayouts("newsletter");
        TestData.copyLayouts("nurture");
        java.nio.file.Path newsletter = java.nio.file.Path.of("target/test-layouts/newsletter");
        java.nio.file.Path nurture = java.nio.file.Path.of("target/test-layouts/nurture");
        try {
            java.nio.file.Files.writeString(newsletter.resolve("broken.html"), "<p>{#if}</p>");
            java.nio.file.Files.writeString(newsletter.resolve("broken.txt"), "x");
            java.nio.file.Files.writeString(nurture.resolve("broken.html"), "<p>{#if}</p>");
            java.nio.file.Files.writeString(nurture.resolve("broken.txt"), "x");
            Visitor ada = signedIn();
            String layouts = ada.get("/console/layouts").then().statusCode(200).extract().asString();
            assertTrue(layouts.contains("/console/layouts/default") && layouts.contains("broken") && layouts.contains("does not work"), layouts);
            String editor = ada.get("/console/sequences/new").then().statusCode(200).extract().asString();
            assertTrue(editor.contains("Preview every step") && editor.contains("<option value=\"broken\""), editor);
        } finally {
            for (java.nio.file.Path dir : java.util.List.of(newsletter, nurture)) {
                java.nio.file.Files.deleteIfExists(dir.resolve("broken.html"));
                java.nio.file.Files.deleteIfExists(dir.resolve("broken.txt"));
            }
        }
    }

    private void assertThrowsOnUpdate() {
        try {
            data.executeAsOwner("UPDATE audit_event SET actor_name = 'someone else'");
            throw new AssertionError("the audit trail was rewritten");
        } catch (java.sql.SQLException e) {
            assertTrue(e.getMessage().contains("append-only"), e.getMessage());
        }
    }

    private jakarta.mail.internet.MimeMessage awaitMail(String to) throws Exception {
        io.quarkus.arc.Arc.container().instance(dev.valjean.delivery.Dispatcher.class).get().drain("console-test");
        var received = SmtpServers.receivedBy(to);
        assertEquals(1, received.size());
        return received.get(0);
    }
}
