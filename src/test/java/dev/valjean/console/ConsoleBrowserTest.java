package dev.valjean.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import dev.valjean.auth.PasswordHasher;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.issue.IssueService;
import dev.valjean.support.Browser;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** The console in a real Chromium, as the people who use it would go through it. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConsoleBrowserTest {

    static final String ADMIN_EMAIL = "ada@valjean.test";
    static final String ADMIN_PASSWORD = "correct horse battery admin";
    static final String EDITOR_EMAIL = "eddie@valjean.test";
    static final String EDITOR_PASSWORD = "four words make a password";

    @TestHTTPResource("/")
    URL base;
    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    IssueService issues;
    @Inject
    PasswordHasher hasher;
    @Inject
    dev.valjean.contact.ContactService contacts;
    @Inject
    dev.valjean.nurture.StepService steps;
    @Inject
    dev.valjean.support.MutableClock clock;
    @Inject
    dev.valjean.mail.Links links;

    Browser browser;

    @BeforeEach
    void setUp() throws Exception {
        data.reset();
        data.newsletter("weekly");
        StringBuilder csv = new StringBuilder("email,name,consented_at,consent_source,consent_text,confirmed_at\n");
        for (String e : List.of("ann@example.com", "bob@example.com", "cid@example.com")) {
            csv.append(e).append(",Reader,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n");
        }
        data.request().contentType("text/csv").body(csv.toString()).post("/api/v1/newsletters/weekly/imports").then().statusCode(201)
                .body("imported", equalTo(3));
        person("Ada Admin", ADMIN_EMAIL, "ADMIN", ADMIN_PASSWORD);
        browser = new Browser(base.toString());
    }

    @AfterEach
    void tearDown() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void a_reader_leaves_from_the_unsubscribe_link_and_the_answer_is_in_the_newsletters_brand() throws Exception {
        data.execute("UPDATE newsletter SET brand_name = 'Weekly Press', accent_colour = '#0f766e' WHERE slug = 'weekly'");
        long subscription = data.count("SELECT s.id FROM subscription s JOIN contact c ON c.id = s.contact_id WHERE c.email = 'ann@example.com'");
        browser.open("/unsubscribe/" + links.unsubscribeToken(subscription));
        assertEquals("Unsubscribe from The weekly letter?", browser.heading());
        assertTrue(browser.text().contains("Weekly Press"), "the question carries the newsletter's brand too: " + browser.text());
        browser.check("unsubscribe");
        assertEquals("CONFIRMED", data.text("SELECT status FROM subscription WHERE id = " + subscription), "the page alone changes nothing");
        browser.press("Unsubscribe");
        assertEquals("You have left The weekly letter", browser.heading());
        assertTrue(browser.text().contains("Weekly Press"), "the answer carries the newsletter's brand: " + browser.text());
        browser.check("unsubscribed");
        assertEquals("UNSUBSCRIBED", data.text("SELECT status FROM subscription WHERE id = " + subscription));
    }

    @Test
    void an_admin_invites_an_editor_who_writes_three_items_tests_sends_and_watches_it_go_then_a_second_issue_asks_why() throws Exception {
        browser.open("/");
        assertEquals("Sign in to Valjean", browser.heading(), "/ leads to the console's sign-in");
        browser.check("sign-in");
        browser.press("Forgot your password?");
        browser.check("forgot-password");
        browser.open("/console/sign-in");
        signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        assertEquals("Newsletters", browser.heading());

        browser.open("/console/people");
        browser.check("people");
        browser.type("Name", "Eddie Editor");
        browser.type("Email address", EDITOR_EMAIL);
        browser.field("Role").sendKeys("Editor");
        browser.press("Send invitation");
        assertTrue(browser.text().contains("Invitation sent to " + EDITOR_EMAIL), browser.text());
        browser.open("/console/audit");
        browser.check("audit");
        assertTrue(browser.text().contains("person.invited"), "the invitation is in the audit trail");
        browser.press("Sign out");
        assertEquals("Sign in to Valjean", browser.heading());

        // The invitation travels through the outbox to a real SMTP server.
        dispatcher.drain("browser");
        List<MimeMessage> invitations = SmtpServers.receivedBy(EDITOR_EMAIL);
        assertEquals(1, invitations.size());
        String body = dev.valjean.support.Visitor.text(invitations.get(0));
        String link = body.replaceAll("(?s).*(https://valjean.test/console/invitation/[A-Za-z0-9_-]+).*", "$1");
        assertTrue(body.contains("72 hours"), body);
        browser.open(link.replace("https://valjean.test", ""));
        assertEquals("Choose your password", browser.heading());
        browser.check("choose-password");
        browser.type("New password", EDITOR_PASSWORD);
        browser.type("The same password again", EDITOR_PASSWORD);
        browser.press("Save password and sign in");
        assertEquals("Newsletters", browser.heading(), "the editor is signed in");
        browser.check("home");
        assertTrue(browser.text().contains("3 confirmed"), browser.text());
        browser.open("/console/newsletters/weekly");
        browser.check("newsletter");
        browser.open("/console/layouts");
        browser.check("layouts");
        browser.open("/console/layouts/default");
        browser.check("layout");
        browser.open("/console");

        // Writing: the preview follows the typing; a fourth item cannot be added.
        browser.press("Write an issue");
        browser.type("Subject", "Three things we learned");
        browser.waitFor(d -> preview().contains("Three things we learned"), Duration.ofSeconds(10));
        browser.type("Title", "Double opt-in is a feature");
        browser.type("Text", "People who **confirm** read what you send.");
        browser.waitFor(d -> preview().contains("<strong>confirm</strong>"), Duration.ofSeconds(10));
        assertTrue(browser.driver.findElement(By.id("count-subject")).getText().startsWith("23/"), "the counter follows the subject");
        browser.press("Add an item");
        browser.field("Title", 1).sendKeys("Short issues get read");
        browser.field("Text", 1).sendKeys("One to three items, no more.");
        browser.press("Add an item");
        browser.field("Title", 2).sendKeys("Leaving is one click");
        browser.field("Text", 2).sendKeys("And it always works.");
        assertFalse(browser.hasButton("Add an item"), "a fourth item cannot be added");
        browser.waitFor(d -> preview().contains("Leaving is one click"), Duration.ofSeconds(10));
        browser.check("editor");
        browser.press("Save draft");
        assertTrue(browser.text().contains("Draft saved."));
        long issueId = Long.parseLong(browser.path().replaceAll("^/console/issues/(\\d+).*$", "$1"));

        // A test to the editor's own address, prefilled.
        assertEquals(EDITOR_EMAIL, browser.field("To").getAttribute("value"));
        browser.press("Send a test");
        assertTrue(browser.text().contains("Test sent"));
        dispatcher.drain("browser");
        List<MimeMessage> tests = SmtpServers.receivedBy(EDITOR_EMAIL);
        assertEquals(2, tests.size(), "the invitation and the test");
        assertEquals("[Test] Three things we learned", tests.get(1).getSubject());

        // Send now, after a confirmation that says to how many.
        browser.press("Schedule or send");
        assertTrue(browser.text().contains("Send to 3 confirmed subscribers of The weekly letter?"), browser.text());
        browser.check("send");
        browser.press("Send");
        assertTrue(browser.heading().startsWith("Issue #" + issueId));
        browser.check("progress");
        dispatcher.drain("browser");
        issues.finishDone();
        browser.waitFor(d -> d.findElement(By.id("state")).getText().startsWith("Sent"), Duration.ofSeconds(15));
        assertEquals("3", browser.driver.findElement(By.id("sent-count")).getText(), "progress reaches all sent");
        for (String reader : List.of("ann@example.com", "bob@example.com", "cid@example.com")) {
            assertEquals(1, SmtpServers.receivedBy(reader).size(), reader);
        }

        // A second issue inside the weekly cadence needs a reason, which is recorded.
        browser.open("/console/newsletters/weekly/issues/new");
        browser.type("Subject", "One more thing");
        browser.type("Title", "It could not wait");
        browser.type("Text", "A correction.");
        browser.press("Save draft");
        long second = Long.parseLong(browser.path().replaceAll("^/console/issues/(\\d+).*$", "$1"));
        browser.press("Schedule or send");
        assertTrue(browser.text().contains("promises to arrive once a week"), browser.text());
        browser.press("Send");
        assertTrue(browser.text().contains("Say why this issue cannot wait"), "no reason, no send");
        browser.type("Why this issue cannot wait", "A correction to the figures in the last issue");
        browser.press("Send");
        assertTrue(browser.heading().startsWith("Issue #" + second));
        assertEquals("A correction to the figures in the last issue",
                data.text("SELECT detail->>'overrideReason' FROM audit_event WHERE action = 'issue.sent' AND object_id = '" + second + "'"));
        assertEquals("Eddie Editor <" + EDITOR_EMAIL + ">",
                data.text("SELECT actor_name FROM audit_event WHERE action = 'issue.sent' AND object_id = '" + second + "'"));
        // Every action of this test is in the trail, with who did it.
        String trail = data.text("SELECT string_agg(action || ' by ' || actor_name, '; ' ORDER BY id) FROM audit_event "
                + "WHERE action NOT LIKE 'import.%' AND action NOT LIKE 'newsletter.%'");
        assertEquals(String.join("; ",
                "session.signed_in by Ada Admin <" + ADMIN_EMAIL + ">",
                "person.invited by Ada Admin <" + ADMIN_EMAIL + ">",
                "session.signed_out by Ada Admin <" + ADMIN_EMAIL + ">",
                "person.password_set by Eddie Editor <" + EDITOR_EMAIL + ">",
                "issue.created by Eddie Editor <" + EDITOR_EMAIL + ">",
                "issue.test_sent by Eddie Editor <" + EDITOR_EMAIL + ">",
                "issue.sent by Eddie Editor <" + EDITOR_EMAIL + ">",
                "issue.created by Eddie Editor <" + EDITOR_EMAIL + ">",
                "issue.sent by Eddie Editor <" + EDITOR_EMAIL + ">"), trail);
    }

    @Test
    void a_sales_person_finds_their_deal_enrolls_a_buyer_sees_why_another_cannot_be_and_the_sequence_ends_when_the_deal_is_won() throws Exception {
        clock.setTo(java.time.Instant.parse("2026-12-08T10:00:00Z"));
        person("Sam Sales", "sam@valjean.test", "SALES", "sales people sell things");
        data.request().contentType("application/json").body(Map.of("name", "Acme Corp", "customer", false)).put("/api/v1/accounts/acme")
                .then().statusCode(201);
        List<Map<String, Object>> committee = List.of(
                Map.of("email", "jo@acme.example", "name", "Jo Park", "role", "CFO", "timeZone", "Europe/Berlin"),
                Map.of("email", "kim@acme.example", "name", "Kim Diaz", "role", "Champion"),
                Map.of("email", "lee@acme.example", "name", "Lee Chen", "role", "IT"));
        data.request().contentType("application/json").body(Map.of("account", "acme", "name", "Renewal 2027", "status", "OPEN",
                "stage", "Proposal", "owner", "sam@valjean.test", "contacts", committee))
                .put("/api/v1/opportunities/renewal").then().statusCode(201);
        data.request().contentType("application/json").body(Map.of("account", "acme", "name", "Someone else's deal", "status", "OPEN",
                "owner", "other@valjean.test", "contacts", List.of())).put("/api/v1/opportunities/other").then().statusCode(201);
        int sequence = data.request().contentType("application/json").body(Map.of("name", "Proposal follow-up", "purpose", "SALES_ACCELERATION",
                "steps", List.of(Map.of("delayHours", 24, "subject", "About the proposal", "body", "Hello."),
                        Map.of("delayHours", 48, "subject", "Any questions?", "body", "Hello again."))))
                .post("/api/v1/sequences").then().statusCode(201).extract().path("id");
        data.request().contentType("application/json").body(Map.of("name", "Intro from Sam", "purpose", "SALES_ACCELERATION",
                "steps", List.of(Map.of("delayHours", 0, "subject", "Hello from Sam", "body", "Glad to meet."),
                        Map.of("delayHours", 72, "subject", "A case study", "body", "How others did it."))))
                .post("/api/v1/sequences").then().statusCode(201);
        data.request().contentType("application/json").body(Map.of("email", "jo@acme.example", "opportunity", "renewal"))
                .post("/api/v1/sequences/" + sequence + "/enrollments").then().statusCode(201);
        data.execute("INSERT INTO nurture_opt_out (email_hash, created_at) VALUES ('"
                + contacts.hashOf(dev.valjean.common.EmailAddress.parse("lee@acme.example")) + "', '2026-03-03T12:00:00Z')");

        browser.open("/console/sign-in");
        signIn("sam@valjean.test", "sales people sell things");
        browser.press("Deals");
        browser.field("Mine").click();
        browser.press("Show");
        assertTrue(browser.text().contains("Renewal 2027") && !browser.text().contains("Someone else's deal"), "mine only");
        browser.check("deals");
        browser.press("Renewal 2027");
        assertEquals("Renewal 2027", browser.heading());
        String page = browser.text();
        assertTrue(page.contains("Jo Park") && page.contains("CFO · Europe/Berlin"), page);
        assertTrue(page.contains("Proposal follow-up: active") && page.contains("About the proposal: due "), page);
        assertTrue(page.contains("Any questions?: waiting"), page);
        assertTrue(page.contains("Kim Diaz") && page.contains("In no sequence."), page);
        // Jo is in it already and Lee opted out: the reason in words, not a button; Kim can be enrolled.
        assertTrue(page.contains("Proposal follow-up: Already in 'Proposal follow-up'."), page);
        assertTrue(page.contains("Proposal follow-up: Opted out of follow-up emails on 3 March 2026."), page);
        assertFalse(browser.hasButton("Enroll Lee Chen in Proposal follow-up"), "no button for someone who opted out");
        browser.check("deal");
        browser.press("Enroll Kim Diaz in Proposal follow-up");
        assertTrue(browser.text().contains("kim@acme.example is enrolled"), browser.text());
        assertEquals(2, data.count("SELECT count(*) FROM enrollment WHERE status = 'ACTIVE'"));
        assertEquals("Sam Sales <sam@valjean.test>", data.text("SELECT actor_name FROM audit_event WHERE action = 'enrollment.started' "
                + "ORDER BY id DESC LIMIT 1"));
        browser.press("Stop Proposal follow-up for Kim Diaz");
        assertTrue(browser.text().contains("Stopped: no further step") && browser.text().contains("Proposal follow-up: ended (stopped)"),
                browser.text());
        assertEquals("Sam Sales <sam@valjean.test>", data.text("SELECT actor_name FROM audit_event WHERE action = 'enrollment.stopped'"));

        // A sequence whose first step is due at once: the nurture job (every minute) queues it.
        browser.press("Enroll Kim Diaz in Intro from Sam");
        steps.advanceAll();
        browser.open("/console/deals/renewal");
        assertTrue(browser.text().contains("Hello from Sam: queued"), browser.text());

        // The CRM says the deal is won: every sequence on it ends, and the queued step is skipped by the gate.
        data.request().contentType("application/json").body(Map.of("account", "acme", "name", "Renewal 2027", "status", "WON",
                "stage", "Closed", "owner", "sam@valjean.test", "contacts", committee))
                .put("/api/v1/opportunities/renewal").then().statusCode(200);
        dispatcher.drain("browser");
        browser.open("/console/deals/renewal");
        page = browser.text();
        assertTrue(page.contains("Intro from Sam: ended (the deal was won · OPPORTUNITY_WON)"), page);
        assertTrue(page.contains("Hello from Sam: skipped (the deal was won)") && page.contains("A case study: not sent"), page);
        assertTrue(SmtpServers.receivedBy("kim@acme.example").isEmpty(), "nothing reached Kim after the deal closed");
        browser.check("deal-won");
    }

    @Test
    void a_sales_person_cannot_open_the_editor() throws Exception {
        person("Sam Sales", "sam@valjean.test", "SALES", "sales people sell things");
        browser.open("/console/sign-in");
        signIn("sam@valjean.test", "sales people sell things");
        browser.open("/console/newsletters/weekly/issues/new");
        assertEquals("Not for your role", browser.heading());
        browser.check("forbidden");
    }

    @Test
    void an_embedded_form_on_another_site_is_refused_until_that_site_is_allowed_in_the_console_then_the_sign_up_completes() throws Exception {
        int appPort = base.getPort();
        com.sun.net.httpserver.HttpServer site = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        byte[] page = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Customer site</title></head><body>"
                + "<main><h1>Customer site</h1><div data-valjean=\"weekly\"></div>"
                + "<script src=\"http://localhost:" + appPort + "/embed/weekly.js\"></script></main></body></html>")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        site.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        site.start();
        String siteOrigin = "http://127.0.0.1:" + site.getAddress().getPort();
        try {
            browser.open(siteOrigin + "/");
            subscribeOnSite("visitor@example.com");
            browser.waitFor(d -> d.findElement(By.className("valjean-status")).getText().contains("did not work"), Duration.ofSeconds(20));
            assertEquals(0, data.count("SELECT count(*) FROM subscription_request"), "refused: nothing was asked");

            browser.open("/console/sign-in");
            signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
            browser.open("/console/embed");
            browser.waitFor(d -> browser.text().contains(siteOrigin), Duration.ofSeconds(5));
            browser.check("embed");
            browser.press("Allow " + siteOrigin);
            assertTrue(browser.text().contains(siteOrigin + " may now embed the form"), browser.text());
            browser.open("/console/newsletters/weekly/settings");
            browser.check("settings");
            assertTrue(browser.field("Embed the form").getAttribute("value").contains("/embed/weekly.js"));

            browser.open(siteOrigin + "/");
            subscribeOnSite("visitor@example.com");
            browser.waitFor(d -> d.findElement(By.className("valjean-status")).getText().contains("Check your inbox"), Duration.ofSeconds(20));
            dispatcher.drain("browser");
            String confirm = dev.valjean.support.Visitor.text(SmtpServers.receivedBy("visitor@example.com").get(0))
                    .replaceAll("(?s).*https://valjean.test(/confirm/[A-Za-z0-9_-]+).*", "$1");
            browser.open(confirm);
            browser.press("Yes, subscribe me");
            assertEquals(1, data.count("SELECT count(*) FROM subscription s JOIN contact c ON c.id = s.contact_id "
                    + "WHERE c.email = 'visitor@example.com' AND s.status = 'CONFIRMED'"), "the sign-up completes");
        } finally {
            site.stop(0);
        }
    }

    @Test
    void an_admin_looks_a_person_up_reads_their_proof_erases_them_and_a_later_import_of_the_address_is_refused() throws Exception {
        data.request().contentType("application/json").body(Map.of("email", "pat@example.com", "name", "Pat Doe", "newsletters",
                List.of("weekly"), "consent", true)).post("/api/v1/subscriptions").then().statusCode(202);
        dispatcher.drain("browser");
        String confirm = dev.valjean.support.Visitor.text(SmtpServers.receivedBy("pat@example.com").get(0))
                .replaceAll("(?s).*https://valjean.test(/confirm/[A-Za-z0-9_-]+).*", "$1");
        browser.open(confirm);
        browser.press("Yes, subscribe me");
        String consentText = data.text("SELECT t.text FROM subscription s JOIN consent_text t ON t.id = s.consent_text_id "
                + "JOIN contact c ON c.id = s.contact_id WHERE c.email = 'pat@example.com'");

        browser.open("/console/sign-in");
        signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        browser.press("Contacts");
        browser.check("contacts");
        browser.type("Address or name starts with", "Pat");
        browser.press("Search");
        browser.press("pat@example.com");
        assertEquals("pat@example.com", browser.heading());
        String page = browser.text();
        String asked = data.text("SELECT to_char(requested_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY, HH24:MI') FROM subscription s "
                + "JOIN contact c ON c.id = s.contact_id WHERE c.email = 'pat@example.com'");
        String confirmed = data.text("SELECT to_char(confirmed_at AT TIME ZONE 'UTC', 'FMDD Mon YYYY, HH24:MI') FROM subscription s "
                + "JOIN contact c ON c.id = s.contact_id WHERE c.email = 'pat@example.com'");
        assertTrue(page.contains("Asked " + asked + " UTC") && page.contains("confirmed " + confirmed + " UTC"), page);
        assertTrue(page.contains(consentText), "the text they were shown: " + page);
        assertTrue(page.contains("transactional") || page.contains("confirmation"), "the confirmation email is listed: " + page);
        browser.check("contact");
        browser.press("View message");
        assertTrue(browser.text().contains("As stored with the message"), browser.text());
        browser.check("contact-message");
        browser.driver.navigate().back();
        browser.press("Printable consent record");
        String proof = browser.text();
        assertTrue(proof.contains(consentText) && proof.contains("CONFIRMED") && proof.contains("Requested:") && proof.contains("Confirmed:"),
                proof);
        browser.check("consent-proof");
        browser.driver.navigate().back();
        String personPath = browser.path();

        browser.type("Erase: type the address to confirm", "pat@example.org");
        browser.press("Erase this person");
        assertTrue(browser.text().contains("Type the person's address exactly"), browser.text());
        assertEquals(1, data.count("SELECT count(*) FROM contact WHERE email = 'pat@example.com'"), "not erased on a typo");
        browser.type("Erase: type the address to confirm", "pat@example.com");
        browser.press("Erase this person");
        assertTrue(browser.text().contains("Erased."), browser.text());
        browser.open(personPath);
        assertFalse(browser.text().contains("pat@example.com"), "the person's page is gone: " + browser.text());
        assertEquals(0, data.count("SELECT count(*) FROM contact WHERE email = 'pat@example.com'"));

        // A later import of the erased address, beside a row without evidence: the report, and nothing stored.
        long subscriptions = data.count("SELECT count(*) FROM subscription");
        java.nio.file.Path csv = java.nio.file.Files.createTempFile("import", ".csv");
        java.nio.file.Files.writeString(csv, "email,name,consented_at,consent_source,consent_text,confirmed_at\n"
                + "new@example.com,New,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n"
                + "pat@example.com,Pat,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n"
                + "bare@example.com,Bare,,,,\n");
        browser.press("Import");
        browser.field("CSV file (UTF-8, up to 700 KB)").sendKeys(csv.toAbsolutePath().toString());
        browser.press("Check the file");
        String report = browser.text();
        assertTrue(report.contains("1 to import") && report.contains("2 refused"), report);
        assertTrue(report.contains("pat@example.com refused: email is on the suppression list"), report);
        assertTrue(report.contains("bare@example.com refused: consented_at evidence missing"), report);
        assertFalse(browser.hasButton("Import 1 row(s) into weekly"), "nothing can be imported while a row is refused");
        browser.check("import-refused");
        assertEquals(subscriptions, data.count("SELECT count(*) FROM subscription"), "nothing stored");
        assertEquals(0, data.count("SELECT count(*) FROM contact WHERE email IN ('new@example.com', 'bare@example.com')"));

        java.nio.file.Files.writeString(csv, "email,name,consented_at,consent_source,consent_text,confirmed_at\n"
                + "new@example.com,New,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n"
                + "ann@example.com,Ann,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n");
        browser.field("CSV file (UTF-8, up to 700 KB)").sendKeys(csv.toAbsolutePath().toString());
        browser.press("Check the file");
        assertTrue(browser.text().contains("ann@example.com already subscribed, unchanged"), browser.text());
        assertEquals(subscriptions, data.count("SELECT count(*) FROM subscription"), "the report stores nothing");
        browser.press("Import 1 row(s) into weekly");
        assertTrue(browser.text().contains("1 new confirmed subscription(s); 1 already subscribed"), browser.text());
        assertEquals(subscriptions + 1, data.count("SELECT count(*) FROM subscription"));
        assertEquals(0, SmtpServers.receivedBy("new@example.com").size(), "an import sends nothing");

        browser.press("Operations");
        assertTrue(browser.text().contains("test._domainkey.valjean.test"), browser.text());
        browser.type("New token for", "CRM sync");
        browser.press("Create token");
        String secret = browser.driver.findElement(By.id("token-secret")).getText();
        assertTrue(secret.startsWith("vj_"), secret);
        io.restassured.RestAssured.given().auth().oauth2(secret).get("/api/v1/opportunities/none").then().statusCode(404);
        browser.check("operations");
        browser.press("Revoke CRM sync");
        assertFalse(browser.text().contains(secret), "the secret is shown once");
        io.restassured.RestAssured.given().auth().oauth2(secret).get("/api/v1/opportunities/none").then().statusCode(401);
    }

    @Test
    void an_editor_cannot_open_operations_people_contacts_or_imports() throws Exception {
        person("Eddie Editor", EDITOR_EMAIL, "EDITOR", EDITOR_PASSWORD);
        browser.open("/console/sign-in");
        signIn(EDITOR_EMAIL, EDITOR_PASSWORD);
        for (String path : List.of("/console/operations", "/console/people", "/console/contacts", "/console/imports", "/console/bounces")) {
            browser.open(path);
            assertEquals("Not for your role", browser.heading(), path);
        }
        assertFalse(browser.text().contains("Operations"), "the navigation does not offer it");
        browser.check("forbidden-editor");
    }

    @Test
    void an_editor_creates_a_gated_download_form_which_says_it_never_subscribes_and_a_sign_up_form_with_its_hosted_link() throws Exception {
        person("Eddie Editor", EDITOR_EMAIL, "EDITOR", EDITOR_PASSWORD);
        browser.open("/console/sign-in");
        signIn(EDITOR_EMAIL, EDITOR_PASSWORD);
        browser.press("Forms");
        new org.openqa.selenium.support.ui.Select(browser.field("What it is for")).selectByVisibleText("gated download");
        browser.type("Name", "Pricing guide");
        new org.openqa.selenium.support.ui.Select(browser.field("Newsletter")).selectByVisibleText("The weekly letter");
        browser.type("Link given after submitting", "https://example.com/pricing-guide.pdf");
        browser.press("Create form");
        String page = browser.text();
        assertTrue(page.contains("Form created") && page.contains("Pricing guide"), page);
        assertTrue(page.contains("Records the submission and nothing more: it never subscribes anyone and never enrolls anyone in a sequence."),
                page);
        assertTrue(page.contains("starts a double opt-in only when the person ticks it"), page);
        new org.openqa.selenium.support.ui.Select(browser.field("What it is for")).selectByVisibleText("newsletter signup");
        browser.type("Name", "Footer sign-up");
        new org.openqa.selenium.support.ui.Select(browser.field("Newsletter")).selectByVisibleText("The weekly letter");
        browser.press("Create form");
        assertTrue(browser.text().contains("Hosted page: https://valjean.test/subscribe/weekly"), browser.text());
        browser.check("forms");
        assertEquals(2, data.count("SELECT count(*) FROM form"));
        assertEquals(2, data.count("SELECT count(*) FROM audit_event WHERE action = 'form.created'"));

        // The hosted page of the download: it records the person and gives the link; the newsletter box starts unticked.
        String hosted = data.text("SELECT public_id FROM form WHERE kind = 'GATED_DOWNLOAD'");
        browser.open("/forms/" + hosted);
        assertEquals("Pricing guide", browser.heading());
        assertFalse(browser.field("Yes, send me").isSelected(), "the newsletter box is never pre-ticked");
        browser.check("form-hosted");
        browser.type("Email address", "reader@example.org");
        browser.type("Name", "Rea Reader");
        browser.press("Get it");
        assertTrue(browser.text().contains("Your download is ready"), browser.text());
        assertEquals("https://example.com/pricing-guide.pdf", browser.button("Download it").getAttribute("href"));
        assertEquals(1, data.count("SELECT count(*) FROM form_submission"));
        assertEquals(0, data.count("SELECT count(*) FROM subscription_request"), "a download subscribes no one");
        assertEquals(0, data.count("SELECT count(*) FROM enrollment"));
        browser.open("/forms/" + hosted);
        browser.type("Email address", "keen@example.org");
        browser.field("Yes, send me").click();
        browser.press("Get it");
        assertTrue(browser.text().contains("nothing is sent until you confirm it"), browser.text());
        assertEquals(1, data.count("SELECT count(*) FROM subscription_request"), "the ticked box starts a double opt-in");
        assertEquals(0, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED' AND contact_id = "
                + "(SELECT id FROM contact WHERE email = 'keen@example.org')"));
    }

    @Test
    void sales_marks_a_demo_request_handled_and_enrolls_a_customer_from_the_account_page() throws Exception {
        person("Sam Sales", "sam@valjean.test", "SALES", "sales people sell things");
        String form = data.request().contentType("application/json").body(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo"))
                .post("/api/v1/forms").then().statusCode(201).extract().path("id");
        data.request().contentType("application/json").body(Map.of("email", "buyer@bigco.example", "name", "Bea Buyer",
                "company", "BigCo", "employees", "5000", "country", "DE")).post("/forms/" + form).then().statusCode(202);
        data.request().contentType("application/json").body(Map.of("name", "Acme Corp", "customer", true, "customerSince", "2024-05-01"))
                .put("/api/v1/accounts/acme").then().statusCode(201);
        data.request().contentType("application/json").body(Map.of("account", "acme", "name", "Renewal 2025", "status", "WON",
                "owner", "sam@valjean.test", "contacts", List.of(Map.of("email", "uma@acme.example", "name", "Uma User", "role", "Admin"))))
                .put("/api/v1/opportunities/renewal-2025").then().statusCode(201);
        data.request().contentType("application/json").body(Map.of("name", "Onboarding tips", "purpose", "CUSTOMER_SUCCESS",
                "steps", List.of(Map.of("delayHours", 24, "subject", "Your first week", "body", "Three things to try."))))
                .post("/api/v1/sequences").then().statusCode(201);

        browser.open("/console/sign-in");
        signIn("sam@valjean.test", "sales people sell things");
        browser.press("Sales requests");
        String page = browser.text();
        assertTrue(page.contains("Bea Buyer buyer@bigco.example") && page.contains("demo request"), page);
        browser.check("sales-requests");
        browser.press("Mark handled the request of buyer@bigco.example");
        assertTrue(browser.text().contains("Nothing waits: every request is handled."), browser.text());
        browser.field("Handled ones too").click();
        browser.press("Show");
        assertTrue(browser.text().contains("by Sam Sales") && browser.hasButton("Reopen the request of buyer@bigco.example"), browser.text());
        assertEquals(1, data.count("SELECT count(*) FROM audit_event WHERE action = 'sales_request.handled'"));

        browser.open("/console/accounts/acme");
        assertEquals("Acme Corp", browser.heading());
        assertTrue(browser.text().contains("Customer since 2024-05-01"), browser.text());
        browser.press("Enroll Uma User in Onboarding tips");
        assertTrue(browser.text().contains("uma@acme.example is enrolled") && browser.text().contains("Your first week: due"), browser.text());
        assertFalse(browser.hasButton("Enroll Uma User in Onboarding tips"), "one enrollment at a time");
        assertTrue(browser.text().contains("Onboarding tips: Already in 'Onboarding tips'."), browser.text());
        browser.check("account");
    }

    @Test
    void a_sales_person_writes_a_sequence_sees_the_checks_beside_the_fields_and_previews_each_step_for_a_buyer() throws Exception {
        person("Sam Sales", "sam@valjean.test", "SALES", "sales people sell things");
        data.request().contentType("application/json").body(Map.of("name", "Acme Corp", "customer", false)).put("/api/v1/accounts/acme")
                .then().statusCode(201);
        data.request().contentType("application/json").body(Map.of("account", "acme", "name", "Renewal 2027", "status", "OPEN",
                "owner", "sam@valjean.test", "contacts", List.of(Map.of("email", "jo@acme.example", "name", "Jo Park", "role", "CFO"))))
                .put("/api/v1/opportunities/renewal").then().statusCode(201);

        browser.open("/console/sign-in");
        signIn("sam@valjean.test", "sales people sell things");
        browser.press("Sequences");
        browser.press("New sequence");
        assertEquals("New sequence", browser.heading(), browser.text());
        browser.type("Name", "Proposal follow-up");
        browser.type("Subject", "About the proposal");
        browser.type("Body (Markdown", "Hello, here is **the proposal**.");
        browser.press("Add a step");
        assertTrue(browser.text().contains("2 of at most 20 steps"), browser.text());
        browser.field("Wait", 1).clear();
        browser.field("Wait", 1).sendKeys("2");
        browser.press("Save sequence");
        assertTrue(browser.text().contains("Nothing was saved") && browser.text().contains("one line of 1 to 150 characters"), browser.text());
        assertEquals("true", browser.field("Subject", 1).getAttribute("aria-invalid"), "the note is beside step 2's subject");
        assertEquals(0, data.count("SELECT count(*) FROM sequence"));
        browser.check("sequence-errors");
        browser.type("Subject", "About the proposal");
        browser.field("Subject", 1).sendKeys("Any questions?");
        new org.openqa.selenium.support.ui.Select(browser.field("Preview for")).selectByVisibleText("Jo Park · Renewal 2027");
        browser.press("Preview every step");
        List<org.openqa.selenium.WebElement> frames = browser.driver.findElements(By.cssSelector("fieldset iframe"));
        assertEquals(2, frames.size(), "each step previewed");
        assertTrue(frames.get(0).getAttribute("srcdoc").contains("<strong>the proposal</strong>"), frames.get(0).getAttribute("srcdoc"));
        assertTrue(browser.text().contains("From Sam Sales <sam@valjean.test>"), "from the deal's owner: " + browser.text());
        browser.check("sequence-preview");
        browser.press("Remove step 2");
        browser.press("Save sequence");
        assertTrue(browser.text().contains("Proposal follow-up") && browser.text().contains("Saved."), browser.text());
        browser.check("sequences");
        assertEquals(1, data.count("SELECT count(*) FROM sequence WHERE jsonb_array_length(steps) = 1"));
        assertEquals("Sam Sales <sam@valjean.test>", data.text("SELECT actor_name FROM audit_event WHERE action = 'sequence.created'"));
    }

    @Test
    void an_admin_reads_the_bounce_log_and_resumes_an_issue_its_circuit_breaker_paused() throws Exception {
        StringBuilder csv = new StringBuilder("email,name,consented_at,consent_source,consent_text,confirmed_at\n");
        for (int i = 1; i <= 22; i++) {
            csv.append("reader-").append(i).append("@example.com,Reader,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n");
        }
        data.request().contentType("text/csv").body(csv.toString()).post("/api/v1/newsletters/weekly/imports").then().statusCode(201);
        String editor = data.token(dev.valjean.auth.Role.EDITOR);
        int id = given().auth().oauth2(editor).contentType("application/json")
                .body(Map.of("subject", "Big news", "items", List.of(Map.of("title", "One", "body", "A short note."))))
                .post("/api/v1/newsletters/weekly/issues").then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType("application/json").body("{}").post("/api/v1/issues/" + id + "/send").then().statusCode(200);
        // 20 of the 25 go now; the rest is not due yet, as in a long send
        data.execute("UPDATE outbox SET next_attempt_at = now() + interval '1 hour' WHERE content_ref = 'issue:" + id
                + "' AND id > (SELECT min(id) + 19 FROM outbox WHERE content_ref = 'issue:" + id + "')");
        assertEquals(20, dispatcher.drain("t"));
        String complainer = data.text("SELECT c.email FROM outbox o JOIN contact c ON c.id = o.contact_id WHERE o.content_ref = 'issue:" + id
                + "' AND o.status = 'SENT' ORDER BY o.id LIMIT 1");
        String messageId = data.messageIdOf("c.email = '" + complainer + "'");
        data.request().contentType("message/rfc822").body(dev.valjean.support.Reports.arf(complainer, messageId)).post("/api/v1/bounces/messages")
                .then().statusCode(200);
        data.request().contentType("message/rfc822").body(dev.valjean.support.Reports.dsn("postmaster@elsewhere.example", "stranger@elsewhere.example",
                "failed", "5.1.1", "smtp; 550 5.1.1 user unknown", null)).post("/api/v1/bounces/messages").then().statusCode(200)
                .body("outcome", equalTo("UNATTRIBUTED"));

        browser.open("/console/sign-in");
        signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
        browser.open("/console/issues/" + id);
        String page = browser.text();
        assertTrue(page.contains("Paused by its circuit breaker"), page);
        assertTrue(page.contains("because of 1 spam complaint in 20 messages (5.00 %, the limit is 0.10 %)"), page);
        assertTrue(page.contains("5 messages wait"), page);
        browser.check("issue-paused");
        browser.open("/console/bounces");
        page = browser.text();
        assertTrue(page.contains(complainer) && page.contains("the person reported the message as spam"), page);
        assertTrue(page.contains("suppressed (complaint); 1 subscription(s) and 0 sequence(s) ended"), page);
        assertTrue(browser.driver.findElement(By.id("unattributed-reports")).getText().contains("Undelivered Mail Returned to Sender"));
        browser.check("bounces");
        browser.open("/console/bounces?class=hard");
        String hard = browser.driver.findElement(By.id("bounce-log")).getText();
        assertTrue(hard.contains("nobody here has this address") && !hard.contains(complainer), hard);
        browser.open("/console/bounces?class=other");
        assertTrue(browser.driver.findElement(By.id("bounce-log")).getText().contains("No bounce or complaint matches"));

        browser.open("/console/issues/" + id);
        browser.press("Resume: send the 5 waiting messages");
        browser.waitFor(d -> d.findElement(By.id("state")).getText().startsWith("Sending"), Duration.ofSeconds(5));
        data.execute("UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE content_ref = 'issue:" + id + "' AND status = 'QUEUED'");
        assertEquals(6, dispatcher.drain("t"), "the 5 waiting messages, and the notice to the admin");
        assertEquals("Issue " + id + " paused itself", SmtpServers.receivedBy(ADMIN_EMAIL).get(0).getSubject());
        for (int i = 1; i <= 22; i++) {
            assertEquals(1, SmtpServers.receivedBy("reader-" + i + "@example.com").size(), "reader-" + i);
        }
        assertEquals(1, data.count("SELECT count(*) FROM audit_event WHERE action = 'issue.resumed'"));
        long contact = data.count("SELECT id FROM contact WHERE email = '" + complainer + "'");
        browser.open("/console/contacts/" + contact);
        assertTrue(browser.text().contains("complaint (feedback) from api"), browser.text());

        // The CRM is to hear complaints and bounces: the admin adds it as an event subscriber; a failing one shows paused, and resumes.
        browser.open("/console/operations");
        browser.type("Send events to (URL)", "https://crm.example/hooks/valjean");
        browser.driver.findElement(By.cssSelector("input[name=events][value='contact.complained']")).click();
        browser.driver.findElement(By.cssSelector("input[name=events][value='contact.bounced']")).click();
        browser.press("Add subscriber");
        assertTrue(browser.driver.findElement(By.id("subscriber-secret")).getText().startsWith("whsec_"));
        assertTrue(browser.driver.findElement(By.id("event-subscribers")).getText().contains("contact.bounced, contact.complained"));
        data.execute("UPDATE event_subscriber SET paused_at = now(), paused_reason = 'failing since it answered HTTP 503 for 24 hours'");
        browser.open("/console/operations");
        assertTrue(browser.driver.findElement(By.id("event-subscribers")).getText().contains("paused"));
        browser.check("operations-subscribers");
        browser.driver.findElement(By.xpath("//table[@id='event-subscribers']//button[starts-with(normalize-space(.), 'Resume')]")).click();
        // the form posts and the page comes back: wait for the new page, not the old one
        browser.waitFor(d -> d.findElements(By.id("event-subscribers")).stream().anyMatch(t -> t.getText().contains("delivering")),
                Duration.ofSeconds(10));
        assertEquals(1, data.count("SELECT count(*) FROM audit_event WHERE action = 'event_subscriber.resumed'"));
    }

    private void subscribeOnSite(String email) {
        browser.waitFor(d -> !d.findElements(By.className("valjean-form")).isEmpty(), Duration.ofSeconds(10));
        browser.type("Email address", email);
        browser.driver.findElement(By.cssSelector(".valjean-consent input[type=checkbox]")).click();
        browser.driver.findElement(By.className("valjean-button")).click();
    }

    private void signIn(String email, String password) {
        browser.type("Email address", email);
        browser.type("Password", password);
        browser.press("Sign in");
    }

    private String preview() {
        return browser.driver.findElement(By.cssSelector("#preview-views iframe")).getAttribute("srcdoc");
    }

    private void person(String name, String email, String role, String password) throws Exception {
        data.execute("INSERT INTO person (email, email_normalized, name, role, password_hash, created_at) VALUES ('" + email + "', '" + email
                + "', '" + name + "', '" + role + "', '" + hasher.hash(password) + "', now())");
    }
}
