package dev.valjean.nurture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Sequences send through the outbox while the conversation lasts, at decent hours, and stop when it ends. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NurtureSendingTest {

    /** A Tuesday, 10:00 in UTC (the default zone): inside business hours. */
    static final Instant TUESDAY_10 = Instant.parse("2026-12-01T10:00:00Z");

    @Inject
    TestData data;
    @Inject
    MutableClock clock;
    @Inject
    StepService steps;
    @Inject
    Dispatcher dispatcher;
    @Inject
    NurtureService nurture;

    String sales;

    @BeforeEach
    void world() throws Exception {
        data.reset();
        clock.setTo(TUESDAY_10);
        sales = data.token(Role.SALES);
        put("/api/v1/accounts/prospect", Map.of("name", "Prospect AG", "customer", false));
        put("/api/v1/accounts/client", Map.of("name", "Client SA", "customer", true));
    }

    @ParameterizedTest
    @ValueSource(strings = { "WON", "LOST" })
    void closing_the_deal_stops_its_sequences_before_the_next_step_and_skips_a_queued_one(String outcome) throws Exception {
        deal("deal", "OPEN", "sent@prospect.example", "queued@prospect.example");
        int sequence = sequence("SALES_ACCELERATION", step(0, "Welcome", "Glad we talk."), step(24, "Next", "A second note."));
        enroll(sequence, "sent@prospect.example", "deal");
        assertEquals(1, steps.advanceAll());
        dispatcher.drain("t");
        MimeMessage first = only(received());
        assertEquals("auto-generated", first.getHeader("Auto-Submitted", null));
        assertTrue(first.getHeader("List-Unsubscribe", null).startsWith("<https://valjean.test/nurture/opt-out/"));
        assertEquals("List-Unsubscribe=One-Click", first.getHeader("List-Unsubscribe-Post", null));
        assertTrue(text(first).contains("Glad we talk."));
        assertTrue(text(first).contains("Valjean Test Ltd"), "postal address");

        enroll(sequence, "queued@prospect.example", "deal");
        assertEquals(1, steps.advanceAll()); // in the outbox, not yet sent
        deal("deal", outcome, "sent@prospect.example", "queued@prospect.example");

        given().auth().oauth2(sales).get("/api/v1/enrollments?opportunity=deal").then().statusCode(200)
                .body("[0].status", equalTo("ENDED")).body("[0].endedReason", equalTo("OPPORTUNITY_" + outcome))
                .body("[0].steps[0].state", equalTo("SENT")).body("[0].steps[1].state", equalTo("NOT_SENT"))
                .body("[1].status", equalTo("ENDED"));
        dispatcher.drain("t");
        assertEquals("SKIPPED", data.text("SELECT status FROM outbox WHERE idempotency_key = 'enrollment:2:step:0'"));
        assertEquals("OPPORTUNITY_" + outcome, data.text("SELECT status_reason FROM outbox WHERE idempotency_key = 'enrollment:2:step:0'"));

        clock.advance(Duration.ofDays(3));
        assertEquals(0, steps.advanceAll());
        dispatcher.drain("t");
        assertEquals(1, received().size(), "nothing after the deal closed");
    }

    @Test
    void every_other_exit_ends_the_sequence_with_its_reason() throws Exception {
        deal("deal", "OPEN", "leaver@prospect.example", "optout@prospect.example", "bounce@prospect.example",
                "replier@prospect.example");
        deal("renewal", "WON", "client@client.example", "left@client.example");
        put("/api/v1/opportunities/renewal", Map.of("account", "client", "name", "Renewal", "status", "WON", "contacts",
                List.of(Map.of("email", "client@client.example"), Map.of("email", "left@client.example"))));
        int acceleration = sequence("SALES_ACCELERATION", step(0, "One", "First."), step(1, "Two", "Second."));
        int success = sequence("CUSTOMER_SUCCESS", step(0, "Hello", "Onboarding."), step(1, "Tips", "More."),
                step(1, "Last", "The end."));
        for (String who : List.of("leaver", "optout", "bounce", "replier")) {
            enroll(acceleration, who + "@prospect.example", "deal");
        }
        enroll(success, "client@client.example", null);
        enroll(success, "left@client.example", null);
        assertEquals(6, steps.advanceAll());
        dispatcher.drain("t");
        assertEquals(6, received().size());

        // The person clicks one-click opt-out in the email (RFC 8058: a POST to the List-Unsubscribe URI).
        String optOut = header(received("optout@prospect.example"), "List-Unsubscribe");
        given().get(optOut.substring(1, optOut.length() - 1).replace("https://valjean.test", "")).then().statusCode(200);
        given().contentType(ContentType.URLENC).formParam("List-Unsubscribe", "One-Click")
                .post(optOut.substring(1, optOut.length() - 1).replace("https://valjean.test", "")).then().statusCode(200)
                .body(containsString("no more"));
        given().post("/nurture/opt-out/1.forged").then().statusCode(404);
        data.request().contentType(ContentType.JSON).body(Map.of("email", "bounce@prospect.example", "reason", "HARD_BOUNCE"))
                .post("/api/v1/suppressions").then().statusCode(201);
        given().auth().oauth2(sales).post("/api/v1/contacts/replier@prospect.example/replied").then().statusCode(200)
                .body("endedEnrollments", equalTo(1));
        deal("deal", "OPEN", "optout@prospect.example", "bounce@prospect.example", "replier@prospect.example");
        put("/api/v1/opportunities/renewal", Map.of("account", "client", "name", "Renewal", "status", "WON", "contacts",
                List.of(Map.of("email", "client@client.example"))));
        clock.advance(Duration.ofHours(49));
        assertEquals(1, steps.advanceAll(), "only the customer who is still with the account");
        dispatcher.drain("t");
        assertEquals(7, received().size());
        List<String> tips = new ArrayList<>();
        for (MimeMessage m : received()) {
            if ("Tips".equals(m.getSubject())) {
                tips.add(m.getAllRecipients()[0].toString());
            }
        }
        assertEquals(List.of("client@client.example"), tips);

        Map<String, String> reasons = new HashMap<>();
        for (Map<String, Object> e : given().auth().oauth2(sales).get("/api/v1/enrollments").then().statusCode(200).extract()
                .jsonPath().<Map<String, Object>> getList("$")) {
            reasons.put((String) e.get("email"), (String) e.get("endedReason"));
        }
        assertEquals("LEFT_OPPORTUNITY", reasons.get("leaver@prospect.example"));
        assertEquals("OPTED_OUT", reasons.get("optout@prospect.example"));
        assertEquals("SUPPRESSED_HARD_BOUNCE", reasons.get("bounce@prospect.example"));
        assertEquals("REPLIED", reasons.get("replier@prospect.example"));
        assertEquals("LEFT_ACCOUNT", reasons.get("left@client.example"));
        assertEquals(null, reasons.get("client@client.example"), "still a customer: still active");
        assertEquals(5L, data.count("SELECT count(*) FROM enrollment WHERE status = 'ENDED'"));

        put("/api/v1/accounts/client", Map.of("name", "Client SA", "customer", false), 200);
        given().auth().oauth2(sales).get("/api/v1/enrollments?email=client@client.example").then().statusCode(200)
                .body("[0].endedReason", equalTo("NO_LONGER_CUSTOMER"));
        // The opted-out person cannot be enrolled again.
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("email", "optout@prospect.example", "opportunity", "deal"))
                .post("/api/v1/sequences/" + acceleration + "/enrollments").then().statusCode(422).body("code", equalTo("OPTED_OUT"));
    }

    @Test
    void steps_wait_for_business_hours_in_the_persons_time_zone_and_keep_the_frequency_cap() throws Exception {
        // Friday 16:30 UTC is 17:30 in Paris: closed.
        clock.setTo(Instant.parse("2026-12-04T16:30:00Z"));
        put("/api/v1/opportunities/renewal", Map.of("account", "client", "name", "Renewal", "status", "WON", "contacts",
                List.of(Map.of("email", "anne@client.example", "timeZone", "Europe/Paris"))));
        for (int i = 0; i < 4; i++) {
            enroll(sequence("CUSTOMER_SUCCESS", step(0, "Note " + i, "Body " + i)), "anne@client.example", null);
        }
        assertEquals(0, steps.advanceAll(), "after hours");
        given().auth().oauth2(sales).get("/api/v1/enrollments?email=anne@client.example").then()
                .body("[0].nextDueAt", equalTo("2026-12-07T08:00:00Z")); // Monday 09:00 in Paris
        clock.setTo(Instant.parse("2026-12-05T10:00:00Z"));
        assertEquals(0, steps.advanceAll(), "Saturday");
        clock.setTo(Instant.parse("2026-12-07T07:59:00Z"));
        assertEquals(0, steps.advanceAll(), "08:59 in Paris");
        clock.setTo(Instant.parse("2026-12-07T08:01:00Z"));
        assertEquals(1, steps.advanceAll(), "Monday 09:01: one, the cap holds the others");
        clock.setTo(Instant.parse("2026-12-08T15:00:00Z"));
        assertEquals(0, steps.advanceAll(), "Tuesday: within two days of the last");
        clock.setTo(Instant.parse("2026-12-09T08:02:00Z"));
        assertEquals(1, steps.advanceAll(), "Wednesday");
        clock.setTo(Instant.parse("2026-12-11T08:03:00Z"));
        assertEquals(1, steps.advanceAll(), "Friday");
        clock.setTo(Instant.parse("2026-12-13T12:00:00Z"));
        assertEquals(0, steps.advanceAll(), "Sunday");
        clock.setTo(Instant.parse("2026-12-14T08:00:30Z"));
        assertEquals(0, steps.advanceAll(), "Monday 09:00 in Paris, but three in the last seven days");
        clock.setTo(Instant.parse("2026-12-14T08:05:00Z"));
        assertEquals(1, steps.advanceAll(), "a week after the first");
        dispatcher.drain("t");
        List<MimeMessage> mail = received();
        assertEquals(4, mail.size());
        for (MimeMessage m : mail) {
            assertNotNull(m.getHeader("Auto-Submitted", null));
        }
    }

    @Test
    void several_instances_advancing_at_once_queue_each_step_exactly_once() throws Exception {
        for (int deal = 0; deal < 2; deal++) {
            List<Map<String, Object>> members = new ArrayList<>();
            for (int i = deal * 75; i < deal * 75 + 75; i++) {
                members.add(Map.of("email", "user" + i + "@client.example"));
            }
            put("/api/v1/opportunities/renewal-" + deal, Map.of("account", "client", "name", "Renewal", "status", "WON",
                    "contacts", members));
        }
        int sequence = sequence("CUSTOMER_SUCCESS", step(0, "Welcome", "Hello."));
        for (int i = 0; i < 150; i++) {
            nurture.enroll(sequence, "user" + i + "@client.example", null, null);
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(pool.submit(() -> steps.advanceAll()));
            }
            int queued = 0;
            for (var run : runs) {
                queued += run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertEquals(150, queued);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(150L, data.count("SELECT count(*) FROM outbox WHERE purpose = 'NURTURE'"));
        assertEquals(150L, data.count("SELECT count(DISTINCT contact_id) FROM outbox WHERE purpose = 'NURTURE'"));
        assertEquals(150L, data.count("SELECT count(*) FROM enrollment WHERE status = 'ENDED' AND ended_reason = 'COMPLETED'"));
    }

    @Test
    void one_broken_enrollment_holds_back_only_itself() throws Exception {
        put("/api/v1/opportunities/renewal", Map.of("account", "client", "name", "Renewal", "status", "WON", "contacts",
                List.of(Map.of("email", "a@client.example"), Map.of("email", "b@client.example"))));
        int good = sequence("CUSTOMER_SUCCESS", step(0, "Fine", "Hello."));
        int broken = sequence("CUSTOMER_SUCCESS", step(0, "Broken", "Hello."));
        // A step the API would never accept, written behind its back: the outbox refuses the header injection.
        data.execute("UPDATE sequence SET steps = jsonb_set(steps, '{0,subject}', to_jsonb(E'Bad\\r\\nBcc: x@evil.example'::text)) "
                + "WHERE id = " + broken);
        enroll(broken, "a@client.example", null);
        enroll(good, "b@client.example", null);
        assertEquals(1, steps.advanceAll());
        assertEquals("b@client.example", data.text("SELECT c.email FROM outbox o JOIN contact c ON c.id = o.contact_id"));
        assertEquals(1L, data.count("SELECT count(*) FROM enrollment WHERE sequence_id = " + broken + " AND status = 'ACTIVE' "
                + "AND next_due_at > '" + clock.instant().plus(Duration.ofMinutes(59)) + "'::timestamptz"), "held back an hour");
    }

    @Test
    void export_shows_the_persons_sequences_and_erasure_ends_them() throws Exception {
        put("/api/v1/opportunities/renewal", Map.of("account", "client", "name", "Renewal", "status", "WON", "contacts",
                List.of(Map.of("email", "erin@client.example", "timeZone", "Europe/Madrid"))));
        enroll(sequence("CUSTOMER_SUCCESS", step(0, "Hello", "Hi."), step(24, "Again", "Hi again.")), "erin@client.example", null);
        data.request().get("/api/v1/contacts/erin@client.example/export").then().statusCode(200)
                .body("timeZone", equalTo("Europe/Madrid")).body("opportunities[0].opportunity", equalTo("renewal"))
                .body("enrollments[0].status", equalTo("ACTIVE")).body("enrollments[0].purpose", equalTo("CUSTOMER_SUCCESS"))
                .body("audit[0].action", equalTo("enrollment.started")).body("audit[0].actor", equalTo("API token 'test SALES'"));
        assertEquals(1, steps.advanceAll());
        data.request().delete("/api/v1/contacts/erin@client.example").then().statusCode(204);
        assertEquals("ERASED", data.text("SELECT ended_reason FROM enrollment"));
        assertEquals(0L, data.count("SELECT count(*) FROM opportunity_contact"));
        assertEquals("SKIPPED", data.text("SELECT status FROM outbox WHERE purpose = 'NURTURE'"));
        clock.advance(Duration.ofDays(2));
        assertEquals(0, steps.advanceAll());
    }

    @Test
    void a_sequence_layout_must_show_the_opt_out_link_and_postal_address() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("target/test-layouts/nurture");
        try {
            java.nio.file.Files.writeString(dir.resolve("bare.html"), "<p>{body.html}</p><p>{postalAddress}</p>");
            java.nio.file.Files.writeString(dir.resolve("bare.txt"), "{body.text}\n{unsubscribeUrl}\n{postalAddress}");
            Map<String, Object> step = new HashMap<>(step(0, "Hi", "Body"));
            step.put("template", "bare");
            given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", "S", "purpose", "CUSTOMER_SUCCESS",
                    "steps", List.of(step))).post("/api/v1/sequences").then().statusCode(422).body("code", equalTo("LAYOUT_INCOMPLETE"))
                    .body("detail", containsString("html: the one-click opt-out link {unsubscribeUrl}"));
            java.nio.file.Files.writeString(dir.resolve("bare.html"), "<p>{body.html}</p><p>{postalAddress} {unsubscribeUrl}</p>{#if}");
            given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", "S", "purpose", "CUSTOMER_SUCCESS",
                    "steps", List.of(step))).post("/api/v1/sequences").then().statusCode(422).body("code", equalTo("LAYOUT_INVALID"))
                    .body("detail", containsString("line 1"));
            step.put("template", "missing");
            given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", "S", "purpose", "CUSTOMER_SUCCESS",
                    "steps", List.of(step))).post("/api/v1/sequences").then().statusCode(422).body("code", equalTo("LAYOUT_NOT_FOUND"));
        } finally {
            // Later tests in the same run list this folder's layouts.
            java.nio.file.Files.deleteIfExists(dir.resolve("bare.html"));
            java.nio.file.Files.deleteIfExists(dir.resolve("bare.txt"));
        }
    }

    @Test
    void acceleration_emails_come_from_the_deal_owner_when_the_address_is_of_the_sending_domain() throws Exception {
        data.execute("INSERT INTO person (email, email_normalized, name, role, created_at) VALUES "
                + "('sam@valjean.test', 'sam@valjean.test', 'Sam Sales', 'SALES', now())");
        int sequence = sequence("SALES_ACCELERATION", step(0, "Hello", "From your rep."));
        Map<String, String> owners = new java.util.LinkedHashMap<>();
        owners.put("own", "sam@valjean.test");
        owners.put("named", "Rae Rep <rae@valjean.test>");
        owners.put("elsewhere", "rep@other.example");
        for (var o : owners.entrySet()) {
            put("/api/v1/opportunities/" + o.getKey(), Map.of("account", "prospect", "name", "Deal", "status", "OPEN", "owner", o.getValue(),
                    "contacts", List.of(Map.of("email", o.getKey() + "@prospect.example"))));
            enroll(sequence, o.getKey() + "@prospect.example", o.getKey());
        }
        assertEquals(3, steps.advanceAll());
        dispatcher.drain("t");
        assertEquals("Sam Sales <sam@valjean.test>", header(received("own@prospect.example"), "From"), "a bare address takes the person's name");
        assertEquals("Rae Rep <rae@valjean.test>", header(received("named@prospect.example"), "From"));
        assertEquals("Valjean Test <sender@valjean.test>", header(received("elsewhere@prospect.example"), "From"),
                "another domain would fail DMARC: the default sender");
    }

    @Test
    void a_waiting_step_says_why_in_words_and_a_change_of_time_zone_reschedules_it() throws Exception {
        clock.freeze(TUESDAY_10);
        put("/api/v1/opportunities/deal", Map.of("account", "prospect", "name", "Deal", "status", "OPEN", "contacts",
                List.of(Map.of("email", "jo@prospect.example", "timeZone", "Europe/Berlin"))));
        int sequence = sequence("SALES_ACCELERATION", step(0, "One", "First."), step(1, "Two", "Second."), step(30, "Three", "Third."));
        enroll(sequence, "jo@prospect.example", "deal");
        assertEquals(1, steps.advanceAll());
        // Step two is due an hour later; the cap keeps 48 hours between follow-ups.
        clock.advance(Duration.ofHours(20));
        assertEquals(0, steps.advanceAll());
        var step = nurture.enrollments("deal", null).get(0).steps().get(1);
        assertEquals("DUE", step.state());
        assertEquals("frequency cap: last follow-up 20 hours ago", step.waiting());
        assertEquals(TUESDAY_10.plus(Duration.ofHours(48)), step.dueAt(), "Thursday 11:00 in Berlin, inside its hours");

        // Jo moves to Los Angeles: Thursday 10:00 UTC is 02:00 there, so it waits for their morning.
        put("/api/v1/opportunities/deal", Map.of("account", "prospect", "name", "Deal", "status", "OPEN", "contacts",
                List.of(Map.of("email", "jo@prospect.example", "timeZone", "America/Los_Angeles"))));
        step = nurture.enrollments("deal", null).get(0).steps().get(1);
        assertEquals(Instant.parse("2026-12-03T17:00:00Z"), step.dueAt(), "Thursday 09:00 in Los Angeles");
        assertEquals("frequency cap: last follow-up 20 hours ago", step.waiting());
        clock.freeze(Instant.parse("2026-12-03T10:00:01Z"));
        assertEquals(0, steps.advanceAll(), "not at 02:00 in Los Angeles");
        step = nurture.enrollments("deal", null).get(0).steps().get(1);
        assertEquals("waiting for business hours in America/Los_Angeles, Thursday 09:00", step.waiting());
        clock.freeze(Instant.parse("2026-12-03T17:00:01Z"));
        assertEquals(1, steps.advanceAll(), "at 09:00 in Los Angeles");
    }

    private static Map<String, Object> step(int delayHours, String subject, String body) {
        return Map.of("delayHours", delayHours, "subject", subject, "body", body);
    }

    @SafeVarargs
    private int sequence(String purpose, Map<String, Object>... steps) {
        return given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", "Seq", "purpose", purpose,
                "steps", List.of(steps))).post("/api/v1/sequences").then().statusCode(201).extract().path("id");
    }

    private void enroll(int sequence, String email, String opportunity) {
        Map<String, Object> body = new HashMap<>();
        body.put("email", email);
        body.put("opportunity", opportunity);
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(body).post("/api/v1/sequences/" + sequence + "/enrollments")
                .then().statusCode(201);
    }

    private void deal(String id, String status, String... emails) {
        List<Map<String, Object>> contacts = new ArrayList<>();
        for (String e : emails) {
            contacts.add(Map.of("email", e));
        }
        int code = given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("account", "prospect", "name", "Deal",
                "status", status, "contacts", contacts)).put("/api/v1/opportunities/" + id).then().extract().statusCode();
        assertTrue(code == 200 || code == 201, "PUT opportunity: " + code);
    }

    private void put(String path, Map<String, Object> body) {
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(body).put(path).then().statusCode(org.hamcrest.Matchers.anyOf(
                equalTo(200), equalTo(201)));
    }

    private void put(String path, Map<String, Object> body, int status) {
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(body).put(path).then().statusCode(status);
    }

    private static List<MimeMessage> received() {
        return List.of(SmtpServers.greenMail.getReceivedMessages());
    }

    private static MimeMessage received(String to) throws Exception {
        for (MimeMessage m : received()) {
            if (m.getAllRecipients()[0].toString().equals(to)) {
                return m;
            }
        }
        throw new AssertionError("no mail to " + to);
    }

    private static MimeMessage only(List<MimeMessage> messages) {
        assertEquals(1, messages.size());
        return messages.get(0);
    }

    private static String header(MimeMessage m, String name) throws Exception {
        return m.getHeader(name, null);
    }

    private static String text(MimeMessage m) throws Exception {
        return new String(m.getRawInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                + com.icegreen.greenmail.util.GreenMailUtil.getBody(m);
    }
}
