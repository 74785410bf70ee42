package dev.valjean.subscription;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.common.EmailAddress;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.mail.Links;
import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SignupTest {

    @Inject
    TestData data;
    @Inject
    EmbedOrigins origins;
    @Inject
    io.vertx.core.Vertx vertx;
    @Inject
    Dispatcher dispatcher;
    @Inject
    MutableClock clock;
    @Inject
    SuppressionService suppressions;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
    }

    @Test
    void the_whole_journey_from_the_hosted_page_to_a_printable_consent_proof() throws Exception {
        Visitor ann = new Visitor("203.0.113.7", "JourneyBrowser/1.0");
        String formToken = ann.formToken("weekly");
        clock.advance(Duration.ofSeconds(5)); // a person takes a moment to fill in the form
        ann.request().contentType(ContentType.URLENC)
                .formParam("email", "ann@example.com").formParam("name", "Ann <b>Bold</b>")
                .formParam("consent", "true").formParam("consentVersion", "1")
                .formParam("formToken", formToken).formParam("website", "").formParam("altcha", "")
                .post("/subscribe/weekly")
                .then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("Check your inbox"));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription WHERE status = 'PENDING'"));

        assertEquals(1, dispatcher.drain("t"));
        MimeMessage mail = SmtpServers.receivedBy("ann@example.com").get(0);
        assertEquals("Please confirm your subscription to The weekly letter", mail.getSubject());
        assertEquals("\"Valjean News\" <news@valjean.test>", mail.getHeader("From", null));
        String text = Visitor.text(mail);
        String html = Visitor.html(mail);
        assertTrue(text.contains("The weekly letter, once a week"), text);
        assertTrue(text.contains("If it was not you, ignore this email"), text);
        assertTrue(html.contains("Ann &lt;b&gt;Bold&lt;/b&gt;"), "the name is escaped in HTML: " + html);
        assertFalse(html.contains("<b>Bold"), html);
        assertEquals(null, mail.getHeader("List-Unsubscribe"), "a confirmation is not list mail");
        String token = Visitor.confirmToken("ann@example.com");

        // A link scanner fetching the URL confirms nothing.
        ann.request().get("/confirm/" + token).then().statusCode(200)
                .body(containsString("<form method=\"post\" action=\"/confirm/" + token + "\""));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription WHERE status = 'PENDING'"));

        Visitor annLater = new Visitor("198.51.100.20", "ConfirmingBrowser/2.0");
        annLater.request().post("/confirm/" + token).then().statusCode(200).body(containsString("You are subscribed"));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED' AND confirmed_at IS NOT NULL"));

        data.request().get("/api/v1/contacts/ann@example.com/consent").then().statusCode(200)
                .body("email", equalTo("ann@example.com"))
                .body("subscriptions[0].newsletter", equalTo("weekly"))
                .body("subscriptions[0].status", equalTo("CONFIRMED"))
                .body("subscriptions[0].requestedAt", notNullValue())
                .body("subscriptions[0].confirmedAt", notNullValue())
                .body("subscriptions[0].consentVersion", equalTo(1))
                .body("subscriptions[0].consentText", equalTo("Yes, send me the weekly letter once a week. I can leave at any time."))
                .body("subscriptions[0].events[0].event", equalTo("REQUESTED"))
                .body("subscriptions[0].events[0].ip", equalTo("203.0.113.7"))
                .body("subscriptions[0].events[0].userAgent", equalTo("JourneyBrowser/1.0"))
                .body("subscriptions[0].events[0].page", equalTo("https://valjean.test/subscribe/weekly"))
                .body("subscriptions[0].events[0].source", equalTo("HOSTED_PAGE"))
                .body("subscriptions[0].events[0].consentText", containsString("once a week"))
                .body("subscriptions[0].events[1].event", equalTo("CONFIRMED"))
                .body("subscriptions[0].events[1].ip", equalTo("198.51.100.20"))
                .body("subscriptions[0].events[1].userAgent", equalTo("ConfirmingBrowser/2.0"))
                .body("subscriptions[0].events[1].at", notNullValue());
        data.request().accept("text/html").get("/api/v1/contacts/ann@example.com/consent").then().statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("203.0.113.7"), containsString("198.51.100.20"), containsString("JourneyBrowser/1.0"),
                        containsString("Yes, send me the weekly letter once a week."), containsString("REQUESTED"),
                        containsString("CONFIRMED"));
    }

    @Test
    void a_request_without_consent_is_refused_with_422_and_stores_nothing() throws Exception {
        Visitor bob = new Visitor("203.0.113.8");
        Map<String, Object> body = new HashMap<>(Map.of("email", "bob@example.com", "newsletters", List.of("weekly"),
                "altcha", bob.solvedChallenge()));
        bob.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(422).contentType("application/problem+json").body("code", equalTo("CONSENT_REQUIRED"));
        body.put("consent", false);
        body.put("altcha", bob.solvedChallenge());
        bob.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(422).body("code", equalTo("CONSENT_REQUIRED"));

        String formToken = bob.formToken("weekly");
        clock.advance(Duration.ofSeconds(5));
        bob.request().contentType(ContentType.URLENC).formParam("email", "bob@example.com").formParam("formToken", formToken)
                .post("/subscribe/weekly").then().statusCode(422)
                .body(containsString("Tick the box to say you want to receive it"), not(containsString("consent: true")),
                        containsString("name=\"consent\" value=\"true\">"));

        assertNothingStored();
    }

    @Test
    void the_consent_box_on_the_hosted_page_is_never_ticked() {
        String page = new Visitor("203.0.113.9").request().get("/subscribe/weekly").then().statusCode(200).extract().asString();
        assertTrue(page.contains("<input type=\"checkbox\" id=\"consent\" name=\"consent\" value=\"true\">"), page);
        assertFalse(page.contains("checked"), "nothing on the form is pre-ticked");
        assertTrue(page.contains("Yes, send me the weekly letter once a week."), "the consent text is shown");
        assertTrue(page.contains("once a week"), "the cadence is shown");
    }

    @Test
    void a_filled_honeypot_is_answered_as_accepted_and_nothing_is_stored_or_sent() throws Exception {
        Visitor bot = new Visitor("203.0.113.10");
        Map<String, Object> body = Map.of("email", "bot-target@example.com", "newsletters", List.of("weekly"), "consent", true,
                "website", "http://spam.example", "altcha", bot.solvedChallenge());
        String answer = bot.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(202).extract().asString();
        String real = new Visitor("203.0.113.11").subscribe("real@example.com", null, "weekly").then().statusCode(202)
                .extract().asString();
        assertEquals(real, answer, "the bot cannot tell");

        assertEquals(0L, data.count("SELECT count(*) FROM contact WHERE email = 'bot-target@example.com'"));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription_request"));
        dispatcher.drain("t");
        assertTrue(SmtpServers.receivedBy("bot-target@example.com").isEmpty());
    }

    @Test
    void ten_rapid_requests_for_one_address_send_at_most_three_confirmation_emails() throws Exception {
        String server = data.token(dev.valjean.auth.Role.ADMIN);
        ExecutorService pool = Executors.newFixedThreadPool(5);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Callable<Integer> call = () -> io.restassured.RestAssured.given().auth().oauth2(server).contentType(ContentType.JSON)
                    .body(Map.of("email", "target@example.com", "newsletters", List.of("weekly"), "consent", true))
                    .post("/api/v1/subscriptions").statusCode();
            answers.add(pool.submit(call));
        }
        for (Future<Integer> answer : answers) {
            assertEquals(202, answer.get());
        }
        pool.shutdown();
        dispatcher.drain("t");

        assertEquals(3, SmtpServers.receivedBy("target@example.com").size());
        assertEquals(3L, data.count("SELECT count(*) FROM outbox WHERE purpose = 'CONFIRMATION'"));

        clock.advance(Duration.ofHours(25));
        io.restassured.RestAssured.given().auth().oauth2(server).contentType(ContentType.JSON)
                .body(Map.of("email", "target@example.com", "newsletters", List.of("weekly"), "consent", true))
                .post("/api/v1/subscriptions").then().statusCode(202);
        dispatcher.drain("t");
        assertEquals(4, SmtpServers.receivedBy("target@example.com").size(), "a new day, a new allowance");
    }

    @Test
    void the_answer_is_identical_for_new_pending_confirmed_unsubscribed_and_suppressed_addresses() throws Exception {
        data.newsletter("monthly");
        Visitor v = new Visitor("203.0.113.12");
        // Set the stage: one pending, one confirmed, one unsubscribed, one suppressed.
        v.subscribe("pending@example.com", null, "weekly").then().statusCode(202);
        v.subscribe("confirmed@example.com", null, "weekly").then().statusCode(202);
        v.subscribe("left@example.com", null, "weekly").then().statusCode(202);
        dispatcher.drain("t");
        v.request().post("/confirm/" + Visitor.confirmToken("confirmed@example.com")).then().statusCode(200);
        v.request().post("/confirm/" + Visitor.confirmToken("left@example.com")).then().statusCode(200);
        long leftId = data.count("SELECT s.id FROM subscription s JOIN contact c ON c.id = s.contact_id WHERE c.email = 'left@example.com'");
        v.request().post(unsubscribePath(leftId)).then().statusCode(200);
        suppressions.suppress(EmailAddress.parse("bounced@example.com"), SuppressionReason.HARD_BOUNCE, "test");

        List<String> addresses = List.of("new@example.com", "pending@example.com", "confirmed@example.com", "left@example.com",
                "bounced@example.com");
        List<String> bodies = new ArrayList<>();
        List<String> contentTypes = new ArrayList<>();
        int i = 0;
        for (String address : addresses) {
            Response r = new Visitor("192.0.2." + (++i)).subscribe(address, null, "weekly");
            assertEquals(202, r.statusCode(), address);
            bodies.add(r.asString());
            contentTypes.add(r.contentType());
        }
        for (int k = 1; k < bodies.size(); k++) {
            assertEquals(bodies.get(0), bodies.get(k), "body for " + addresses.get(k));
            assertEquals(contentTypes.get(0), contentTypes.get(k));
        }
        List<String> pages = new ArrayList<>();
        for (String address : addresses) {
            Visitor w = new Visitor("192.0.2." + (++i));
            String token = w.formToken("weekly");
            clock.advance(Duration.ofSeconds(3));
            pages.add(w.request().contentType(ContentType.URLENC).formParam("email", address).formParam("consent", "true")
                    .formParam("formToken", token).post("/subscribe/weekly").then().statusCode(200).extract().asString());
        }
        for (int k = 1; k < pages.size(); k++) {
            assertEquals(pages.get(0), pages.get(k), "hosted page answer for " + addresses.get(k));
        }
    }

    @Test
    void the_challenge_is_required_single_use_and_expiring() throws Exception {
        Visitor v = new Visitor("203.0.113.13");
        Map<String, Object> body = new HashMap<>(Map.of("email", "c@example.com", "newsletters", List.of("weekly"), "consent", true));
        v.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(422).body("code", equalTo("CHALLENGE_FAILED"));
        body.put("altcha", "bm90IGEgc29sdXRpb24=");
        v.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(422).body("code", equalTo("CHALLENGE_FAILED"));

        String solved = v.solvedChallenge();
        body.put("altcha", solved);
        v.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions").then().statusCode(202);
        body.put("email", "d@example.com");
        v.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(422).body("code", equalTo("CHALLENGE_FAILED"));

        String stale = v.solvedChallenge();
        clock.advance(Duration.ofMinutes(11));
        body.put("altcha", stale);
        v.request().contentType(ContentType.JSON).body(body).post("/api/v1/subscriptions")
                .then().statusCode(422).body("code", equalTo("CHALLENGE_FAILED"));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription_request"));
    }

    @Test
    void a_hosted_form_token_is_refused_when_too_fresh_or_used_twice() throws Exception {
        Visitor v = new Visitor("203.0.113.14");
        String token = v.formToken("weekly");
        v.request().contentType(ContentType.URLENC).formParam("email", "fast@example.com").formParam("consent", "true")
                .formParam("formToken", token).post("/subscribe/weekly").then().statusCode(422)
                .body(containsString("could not tell you from a robot"));
        clock.advance(Duration.ofSeconds(3));
        v.request().contentType(ContentType.URLENC).formParam("email", "fast@example.com").formParam("consent", "true")
                .formParam("formToken", token).post("/subscribe/weekly").then().statusCode(200);
        v.request().contentType(ContentType.URLENC).formParam("email", "again@example.com").formParam("consent", "true")
                .formParam("formToken", token).post("/subscribe/weekly").then().statusCode(422);
        assertEquals(1L, data.count("SELECT count(*) FROM subscription_request"));
    }

    @Test
    void more_requests_than_the_per_ip_limit_get_429_with_retry_after() {
        Visitor v = new Visitor("203.0.113.15");
        for (int i = 0; i < 10; i++) {
            v.request().contentType(ContentType.JSON).body(Map.of("email", "x@example.com")).post("/api/v1/subscriptions")
                    .then().statusCode(422);
        }
        v.request().contentType(ContentType.JSON).body(Map.of("email", "x@example.com")).post("/api/v1/subscriptions")
                .then().statusCode(429).contentType("application/problem+json").body("code", equalTo("TOO_MANY_REQUESTS"))
                .header("Retry-After", notNullValue());
        new Visitor("203.0.113.16").subscribe("y@example.com", null, "weekly").then().statusCode(202);
        clock.advance(Duration.ofMinutes(1));
        v.subscribe("x@example.com", null, "weekly").then().statusCode(202);
    }

    @Test
    void the_per_ip_limit_holds_under_concurrent_requests_and_counts_ipv6_by_its_64_bit_prefix() throws Exception {
        clock.freeze(java.time.Instant.parse("2026-06-01T10:00:10Z")); // all inside one minute's window
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            // Every request from a different address of one /64: one household, one allowance.
            Visitor v = new Visitor("2001:db8:7:7::" + Integer.toHexString(i + 1));
            answers.add(pool.submit(() -> v.request().contentType(ContentType.JSON).body(Map.of("email", "x@example.com"))
                    .post("/api/v1/subscriptions").statusCode()));
        }
        Map<Integer, Integer> counts = new HashMap<>();
        for (Future<Integer> answer : answers) {
            counts.merge(answer.get(), 1, Integer::sum);
        }
        pool.shutdown();
        assertEquals(Map.of(422, 10, 429, 14), counts, "exactly the allowance of 10 got through, counted in the database");
        new Visitor("2001:db8:7:8::1").request().contentType(ContentType.JSON).body(Map.of("email", "x@example.com"))
                .post("/api/v1/subscriptions").then().statusCode(422);
    }

    @Test
    void an_authenticated_caller_skips_the_challenge_but_never_the_confirmation() throws Exception {
        String server = data.token(dev.valjean.auth.Role.ADMIN);
        io.restassured.RestAssured.given().auth().oauth2(server).contentType(ContentType.JSON)
                .body(Map.of("email", "crm@example.com", "newsletters", List.of("weekly"), "consent", true))
                .post("/api/v1/subscriptions").then().statusCode(202);
        assertEquals(0L, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED'"));
        dispatcher.drain("t");
        assertEquals(1, SmtpServers.receivedBy("crm@example.com").size());
        io.restassured.RestAssured.given().auth().oauth2("bogus").contentType(ContentType.JSON)
                .body(Map.of("email", "crm@example.com", "newsletters", List.of("weekly"), "consent", true))
                .post("/api/v1/subscriptions").then().statusCode(401);
    }

    @Test
    void a_sign_up_whose_body_arrives_in_pieces_or_chunked_is_read_whole() throws Exception {
        // The body is read on the event loop before the request reaches its worker (EarlyBody): a body
        // that comes in two writes with a pause between them, and one sent chunked without a length.
        String json = "{\"email\":\"slow@example.com\",\"newsletters\":[\"weekly\"],\"consent\":true}";
        byte[] body = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(10_000);
            var out = socket.getOutputStream();
            out.write(("POST /api/v1/subscriptions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestData.ADMIN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.write(body, 0, 20);
            out.flush();
            Thread.sleep(300);
            out.write(body, 20, body.length - 20);
            out.flush();
            String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertTrue(statusLine != null && statusLine.startsWith("HTTP/1.1 202"), "answered: " + statusLine);
        }
        // Chunked over HTTP/1.1, and over HTTP/2 (java.net.http upgrades a cleartext connection by default).
        for (var version : List.of(java.net.http.HttpClient.Version.HTTP_1_1, java.net.http.HttpClient.Version.HTTP_2)) {
            String email = "chunked-" + version.name().toLowerCase() + "@example.com";
            var chunked = java.net.http.HttpClient.newBuilder().version(version).build().send(java.net.http.HttpRequest
                    .newBuilder(java.net.URI.create("http://127.0.0.1:" + io.restassured.RestAssured.port + "/api/v1/subscriptions"))
                    .header("Authorization", "Bearer " + TestData.ADMIN).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                            json.replace("slow@example.com", email).getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(202, chunked.statusCode(), version + ": " + chunked.body());
        }
        assertEquals(3L, data.count("SELECT count(*) FROM subscription s JOIN contact c ON c.id = s.contact_id "
                + "WHERE s.status = 'PENDING' AND c.email IN ('slow@example.com', 'chunked-http_1_1@example.com', "
                + "'chunked-http_2@example.com')"));
    }

    @Test
    void the_embedded_form_is_served_and_only_configured_origins_may_call_the_api() {
        new Visitor("203.0.113.17").request().get("/embed/weekly.js").then().statusCode(200)
                .contentType(containsString("javascript"))
                .body(containsString("\"slug\":\"weekly\""), containsString("valjeanSolve"), containsString("/api/v1/subscriptions"));
        new Visitor("203.0.113.17").request().get("/embed/nothing.js").then().statusCode(404);

        new Visitor("203.0.113.17").request().header("Origin", "https://customer.example")
                .header("Access-Control-Request-Method", "POST").options("/api/v1/subscriptions")
                .then().statusCode(204).header("Access-Control-Allow-Origin", "https://customer.example");
        new Visitor("203.0.113.17").request().header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST").options("/api/v1/subscriptions")
                .then().statusCode(403).header("Access-Control-Allow-Origin", nullValue());

        Visitor embedded = new Visitor("203.0.113.18");
        String altcha = embedded.solvedChallenge();
        embedded.request().header("Origin", "https://customer.example").contentType(ContentType.JSON)
                .body(Map.of("email", "embed@example.com", "newsletters", List.of("weekly"), "consent", true, "altcha", altcha))
                .post("/api/v1/subscriptions").then().statusCode(202)
                .header("Access-Control-Allow-Origin", "https://customer.example");
        data.request().get("/api/v1/contacts/embed@example.com/consent").then().statusCode(200)
                .body("subscriptions[0].events[0].source", equalTo("EMBED"));
        data.request().header("Origin", "https://customer.example").get("/api/v1/newsletters")
                .then().statusCode(200).header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void an_origin_added_or_removed_in_the_console_holds_for_the_next_sign_up_answered_on_the_event_loop() {
        // The sign-up endpoint answers from the event loop, where the list of origins is never read from the
        // database: it must be current there all the same, from the first request on.
        String site = "https://partner-" + System.nanoTime() + ".example";
        origins.add(site, "test");
        Visitor embedded = new Visitor("203.0.113.27");
        embedded.request().header("Origin", site).contentType(ContentType.JSON)
                .body(Map.of("email", "partner@example.com", "newsletters", List.of("weekly"), "consent", true, "altcha",
                        embedded.solvedChallenge()))
                .post("/api/v1/subscriptions").then().statusCode(202).header("Access-Control-Allow-Origin", site);
        data.request().get("/api/v1/contacts/partner@example.com/consent").then().statusCode(200)
                .body("subscriptions[0].events[0].source", equalTo("EMBED"));

        origins.remove(site);
        Visitor after = new Visitor("203.0.113.28");
        after.request().header("Origin", site).contentType(ContentType.JSON)
                .body(Map.of("email", "after@example.com", "newsletters", List.of("weekly"), "consent", true, "altcha",
                        after.solvedChallenge()))
                .post("/api/v1/subscriptions").then().statusCode(202).header("Access-Control-Allow-Origin", nullValue());
        data.request().get("/api/v1/contacts/after@example.com/consent").then().statusCode(200)
                .body("subscriptions[0].events[0].source", equalTo("API"));
    }

    @Test
    void on_an_event_loop_the_origins_are_current_without_a_read_of_their_own() throws Exception {
        String site = "https://loop-" + System.nanoTime() + ".example";
        origins.add(site, "test");
        assertTrue(onEventLoop(() -> origins.allowed(site)), "allowed at once after it is added");
        origins.remove(site);
        assertFalse(onEventLoop(() -> origins.allowed(site)), "refused at once after it is removed");
    }

    private <T> T onEventLoop(java.util.function.Supplier<T> s) throws Exception {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> {
            assertTrue(io.vertx.core.Context.isOnEventLoopThread());
            f.complete(s.get());
        });
        return f.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void unknown_newsletters_and_bad_addresses_are_refused_before_anything_is_stored() throws Exception {
        Visitor v = new Visitor("203.0.113.19");
        v.subscribe("nobody@example.com", null, "no-such-letter").then().statusCode(422)
                .body("code", equalTo("UNKNOWN_NEWSLETTER"));
        v.subscribe("not an address", null, "weekly").then().statusCode(422).body("code", not(equalTo("CHALLENGE_FAILED")));
        v.request().contentType(ContentType.JSON).body("{\"email\": ").post("/api/v1/subscriptions").then().statusCode(400)
                .contentType("application/problem+json");
        assertNothingStored();
        data.request().get("/api/v1/newsletters").then().body("slug", hasItem("weekly"));
    }

    @Test
    void a_sign_up_records_the_consent_text_version_the_person_was_shown_and_an_unknown_version_stores_nothing() throws Exception {
        data.request().contentType(ContentType.JSON).body(Map.of("consentText", "Yes, send me The Weekly. I can leave with one click."))
                .patch("/api/v1/newsletters/weekly").then().statusCode(200).body("consentVersion", equalTo(2));
        String server = data.token(dev.valjean.auth.Role.ADMIN);
        Map<String, Integer> versions = new java.util.LinkedHashMap<>();
        versions.put("old-form@example.com", 1);
        versions.put("new-form@example.com", 2);
        versions.put("no-version@example.com", null);
        for (var e : versions.entrySet()) {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("email", e.getKey(), "newsletters", List.of("weekly"), "consent", true));
            if (e.getValue() != null) {
                body.put("consentVersion", e.getValue());
            }
            io.restassured.RestAssured.given().auth().oauth2(server).contentType(ContentType.JSON).body(body)
                    .post("/api/v1/subscriptions").then().statusCode(202);
        }
        for (var e : Map.of("old-form@example.com", 1L, "new-form@example.com", 2L, "no-version@example.com", 2L).entrySet()) {
            String where = "JOIN contact c ON c.id = x.contact_id JOIN consent_text t ON t.id = x.consent_text_id WHERE c.email = '"
                    + e.getKey() + "'";
            assertEquals(e.getValue(), data.count("SELECT t.version FROM subscription x " + where), e.getKey() + ": subscription");
            assertEquals(e.getValue(), data.count("SELECT t.version FROM consent_event x " + where), e.getKey() + ": ledger");
            assertEquals(e.getValue(), data.count("SELECT t.version FROM subscription_request_item i JOIN subscription_request x"
                    + " ON x.id = i.request_id JOIN contact c ON c.id = x.contact_id JOIN consent_text t ON t.id = i.consent_text_id"
                    + " WHERE c.email = '" + e.getKey() + "'"), e.getKey() + ": request");
        }

        io.restassured.RestAssured.given().auth().oauth2(server).contentType(ContentType.JSON)
                .body(Map.of("email", "future@example.com", "newsletters", List.of("weekly"), "consent", true, "consentVersion", 3))
                .post("/api/v1/subscriptions").then().statusCode(422).contentType("application/problem+json")
                .body("code", equalTo("UNKNOWN_CONSENT_VERSION"));
        assertEquals(0L, data.count("SELECT count(*) FROM contact WHERE email = 'future@example.com'"));
        assertEquals(3L, data.count("SELECT count(*) FROM outbox WHERE purpose = 'CONFIRMATION'"));
    }

    @Test
    void a_person_erased_who_signs_up_again_gets_their_address_back_a_confirmation_and_the_subscription_once_confirmed() throws Exception {
        Visitor v = new Visitor("203.0.113.21");
        v.subscribe("phoenix@example.com", "Phoenix", "weekly").then().statusCode(202);
        dispatcher.drain("t");
        v.request().post("/confirm/" + Visitor.confirmToken("phoenix@example.com")).then().statusCode(200);
        data.request().delete("/api/v1/contacts/phoenix@example.com").then().statusCode(204);
        assertEquals(0L, data.count("SELECT count(*) FROM contact WHERE email IS NOT NULL"));
        long contactId = data.count("SELECT id FROM contact");

        new Visitor("203.0.113.22").subscribe("phoenix@example.com", "Phoenix", "weekly").then().statusCode(202);
        assertEquals(1L, data.count("SELECT count(*) FROM contact"), "the same person, not a second contact");
        assertEquals(contactId, data.count("SELECT id FROM contact WHERE email = 'phoenix@example.com' AND erased_at IS NULL"
                + " AND email_normalized = 'phoenix@example.com' AND name IS NULL"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED'"), "nothing restored but the address");
        dispatcher.drain("t");
        List<jakarta.mail.internet.MimeMessage> mails = SmtpServers.receivedBy("phoenix@example.com");
        assertEquals(2, mails.size());
        java.util.regex.Matcher link = java.util.regex.Pattern.compile("/confirm/([A-Za-z0-9_-]{20,})").matcher(Visitor.text(mails.get(1)));
        assertTrue(link.find(), "a confirmation link in the new message");
        v.request().post("/confirm/" + link.group(1)).then().statusCode(200);
        assertEquals(1L, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED'"));
        assertEquals(0L, data.count("SELECT count(*) FROM suppression WHERE reason = 'ERASURE'"), "the new double opt-in lifts it");
    }

    private void assertNothingStored() throws Exception {
        assertEquals(0L, data.count("SELECT count(*) FROM contact"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription_request"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription"));
        assertEquals(0L, data.count("SELECT count(*) FROM consent_event"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox"));
    }

    static String unsubscribePath(long subscriptionId) {
        return "/unsubscribe/" + io.quarkus.arc.Arc.container().instance(Links.class).get().unsubscribeToken(subscriptionId);
    }
}
