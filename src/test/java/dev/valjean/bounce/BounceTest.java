package dev.valjean.bounce;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import jakarta.inject.Inject;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.SmtpRelay;
import dev.valjean.delivery.SmtpSubmitter;
import dev.valjean.delivery.Verp;
import dev.valjean.issue.IssueBreaker;
import dev.valjean.support.MutableClock;
import dev.valjean.support.Reports;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Bounces and complaints: parsed from real MIME, attributed, applied once; the issue's circuit breaker. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BounceTest {

    static final String CSV_HEADER = "email,name,consented_at,consent_source,consent_text,confirmed_at\n";

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    Verp verp;
    @Inject
    MutableClock clock;
    @Inject
    BounceMailbox mailbox;
    @Inject
    IssueBreaker breaker;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
    }

    @Test
    void a_delivery_status_notification_to_a_verp_address_is_classified_by_a_dry_run_then_applied_once() throws Exception {
        OutboxMessage sent = data.enqueue("ann@example.com", 1, "hello:ann");
        assertEquals(1, dispatcher.drain("t"));
        String bounceTo = verp.envelopeFor(sent.id).orElseThrow();
        byte[] dsn = Reports.dsn(bounceTo, "ann@example.com", "failed", "5.1.1", "smtp; 550 5.1.1 <ann@example.com>: Recipient address rejected: User unknown",
                "<not-ours@elsewhere.example>");
        String bounces = data.token(Role.BOUNCES);

        post(bounces, dsn, true).then().statusCode(200).body("dryRun", equalTo(true)).body("results", hasSize(1))
                .body("results[0].recipient", equalTo("ann@example.com")).body("results[0].class", equalTo("hard"))
                .body("results[0].status", equalTo("5.1.1")).body("results[0].reason", equalTo("userunknown"))
                .body("results[0].outboxId", equalTo(sent.id.intValue()));
        assertEquals(0, data.count("SELECT count(*) FROM suppression"), "a dry run changes nothing");
        assertEquals(0, data.count("SELECT count(*) FROM bounce_event") + data.count("SELECT count(*) FROM bounce_report"));

        post(bounces, dsn, false).then().statusCode(200).body("outcome", equalTo("APPLIED")).body("repeated", equalTo(false))
                .body("results[0].action", equalTo("suppressed (hard bounce)"));
        assertEquals("HARD_BOUNCE", data.text("SELECT reason FROM suppression"));
        assertEquals("VERP", data.text("SELECT attributed_by FROM bounce_event"));
        double before = hardFromApi();
        post(bounces, dsn, false).then().statusCode(200).body("repeated", equalTo(true));
        assertEquals(1, data.count("SELECT count(*) FROM bounce_event"), "the same report counts once");
        assertEquals(before, hardFromApi(), "and is counted once in the metrics");
        assertTrue(before >= 1, "valjean_bounces_total counts it");

        // The token may do nothing else; an empty body is a problem, not a guess.
        given().auth().oauth2(bounces).get("/api/v1/issues/1").then().statusCode(403);
        given().auth().oauth2(bounces).contentType("message/rfc822").body(new byte[0]).post("/api/v1/bounces/messages").then()
                .statusCode(422).contentType("application/problem+json").body("code", equalTo("REPORT_EMPTY"));
        given().auth().oauth2(data.token(Role.EDITOR)).contentType("message/rfc822").body(dsn).post("/api/v1/bounces/messages").then()
                .statusCode(403);
        given().contentType("message/rfc822").body(dsn).post("/api/v1/bounces/messages").then().statusCode(401);
    }

    /** Two messages sent to bob@example.com a minute apart, and the first one's Message-ID. */
    private record ToBob(OutboxMessage first, OutboxMessage second, String firstMessageId) {
    }

    private ToBob twoMessagesToBob() throws Exception {
        OutboxMessage first = data.enqueue("bob@example.com", 1, "hello:bob:1");
        dispatcher.drain("t");
        clock.advance(Duration.ofMinutes(1));
        OutboxMessage second = data.enqueue("bob@example.com", 2, "hello:bob:2");
        dispatcher.drain("t");
        return new ToBob(first, second, data.messageIdOf("o.id = " + first.id));
    }

    @Test
    void without_verp_the_returned_message_id_and_then_the_latest_message_attribute_the_report() throws Exception {
        ToBob bob = twoMessagesToBob();
        OutboxMessage first = bob.first();
        OutboxMessage second = bob.second();
        String messageId = bob.firstMessageId();
        mailboxFull("bob@example.com", messageId).body("results[0].outboxId", equalTo(first.id.intValue())).body("results[0].class", equalTo("soft"));
        mailboxFull("bob@example.com", "<unknown@elsewhere.example>").body("results[0].outboxId", equalTo(second.id.intValue()));
        post(TestData.ADMIN, Reports.dsn("postmaster@elsewhere.example", "nobody@example.com", "failed", "5.1.1", "smtp; 550 user unknown",
                "<unknown@elsewhere.example>"), false).then().body("outcome", equalTo("UNATTRIBUTED"))
                .body("results[0].action", equalTo("nobody here has this address"));
        assertEquals(0, data.count("SELECT count(*) FROM suppression"));
    }

    @Test
    void a_message_id_names_its_row_and_is_signed_and_message_ids_stored_by_older_rows_are_still_found() throws Exception {
        ToBob bob = twoMessagesToBob();
        OutboxMessage first = bob.first();
        OutboxMessage second = bob.second();
        String messageId = bob.firstMessageId();
        assertTrue(messageId.matches("<" + first.id + "\\.[A-Za-z0-9_-]{22}@valjean\\.test>"), messageId);
        assertEquals(messageId, SmtpServers.receivedBy("bob@example.com").get(0).getHeader("Message-ID", null), "what was sent");
        assertEquals(null, data.text("SELECT message_id FROM outbox WHERE id = " + first.id), "nothing stored");
        // A report forwarded from another address: only the Message-ID can name the first message.
        mailboxFull("bob.old@elsewhere.example", messageId).body("results[0].outboxId", equalTo(first.id.intValue()));
        // The row's number with a made-up signature names nothing: the recipient's latest message is taken instead.
        String forged = "<" + first.id + ".AAAAAAAAAAAAAAAAAAAAAA@valjean.test>";
        mailboxFull("bob@example.com", forged).body("results[0].outboxId", equalTo(second.id.intValue()));
        // A message queued when Message-IDs were random and stored is found by the whole stored value, not by a signature.
        data.execute("UPDATE outbox SET message_id = '<" + first.id + ".5f0c9e21ab@valjean.test>' WHERE id = " + first.id);
        mailboxFull("bob.old@elsewhere.example", "<" + first.id + ".5f0c9e21ab@valjean.test>")
                .body("results[0].outboxId", equalTo(first.id.intValue()));
        mailboxFull("bob@example.com", messageId).body("results[0].outboxId", equalTo(second.id.intValue()));
        // A message queued before Message-IDs named their row is still found by its Message-ID.
        data.execute("UPDATE outbox SET message_id = '<Zm9yLW9sZC1yb3dz-old_form@valjean.test>' WHERE id = " + first.id);
        mailboxFull("bob.old@elsewhere.example", "Zm9yLW9sZC1yb3dz-old_form@valjean.test")
                .body("results[0].outboxId", equalTo(first.id.intValue()));
        assertEquals("outbox_message_id_legacy", data.text("SELECT string_agg(indexname, ',') FROM pg_indexes "
                + "WHERE schemaname = current_schema() AND tablename = 'outbox' AND indexdef LIKE '%(message_id)%'"));
    }

    @Test
    void a_bounce_lands_in_the_imap_mailbox_the_poller_suppresses_within_one_poll_and_the_next_issue_skips_the_person() throws Exception {
        importConfirmed("weekly", "gone@example.com", "here@example.com");
        long first = sendIssue("First");
        assertEquals(2, dispatcher.drain("t"));
        // The next issue is already queued for both when the bounce comes back.
        long next = sendIssue("Second");
        long row = data.count("SELECT o.id FROM outbox o JOIN contact c ON c.id = o.contact_id WHERE c.email = 'gone@example.com'");
        // Gmail's feedback loop reports complaint rates per Feedback-ID: the issue, its list, the purpose, this sender
        String feedbackId = SmtpServers.receivedBy("gone@example.com").get(0).getHeader("Feedback-ID", null);
        assertTrue(feedbackId.matches("issue-" + first + ":weekly:newsletter:valjean"), feedbackId);
        // The receiving server's DSN goes to the VERP address; the bounce domain's catch-all puts it in the mailbox Valjean reads.
        MimeMessage report = new MimeMessage(Session.getInstance(new Properties()), new java.io.ByteArrayInputStream(
                Reports.dsn(verp.envelopeFor(row).orElseThrow(), "gone@example.com", "failed", "5.1.1", "smtp; 550 5.1.1 No such user", null)));
        SmtpServers.greenMail.getUserManager().getUser(SmtpServers.BOUNCE_MAILBOX).deliver(report);
        // and something that is no bounce of ours at all: kept for a person, not deleted
        MimeMessage stray = new MimeMessage(Session.getInstance(new Properties()));
        stray.setFrom("MAILER-DAEMON@elsewhere.example");
        stray.setSubject("Undeliverable: hello");
        stray.setText("Your message to stranger@elsewhere.example could not be delivered: 550 5.1.1 User unknown");
        stray.saveChanges();
        SmtpServers.greenMail.getUserManager().getUser(SmtpServers.BOUNCE_MAILBOX).deliver(stray);

        BounceMailbox.Poll poll = mailbox.poll();
        assertEquals(new BounceMailbox.Poll(1, 1, 0, 0), poll);
        assertEquals("HARD_BOUNCE", data.text("SELECT s.reason FROM suppression s JOIN contact c ON c.email_hash = s.email_hash WHERE c.email = 'gone@example.com'"));
        assertEquals(0, inFolder("INBOX"), "nothing is left unread");
        assertEquals(1, inFolder("Processed"));
        assertEquals(1, inFolder("Unattributed"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/bounces/reports?outcome=UNATTRIBUTED").then().statusCode(200)
                .body("reports", hasSize(1)).body("reports[0].subject", equalTo("Undeliverable: hello"));
        assertEquals(new BounceMailbox.Poll(0, 0, 0, 0), mailbox.poll(), "a second poll finds nothing new");
        assertEquals(1, data.count("SELECT count(*) FROM bounce_event WHERE issue_id = " + first + " AND class = 'HARD'"));

        dispatcher.drain("t");
        assertEquals("SKIPPED SUPPRESSED_HARD_BOUNCE", data.text("SELECT o.status || ' ' || o.status_reason FROM outbox o JOIN contact c ON c.id = o.contact_id "
                + "WHERE c.email = 'gone@example.com' AND o.content_ref = 'issue:" + next + "'"));
        assertEquals(1, SmtpServers.receivedBy("gone@example.com").size(), "only the first issue reached the address");
        assertEquals(2, SmtpServers.receivedBy("here@example.com").size());
        // and a later issue leaves the address out from the start
        long third = sendIssue("Third");
        assertEquals(0, data.count("SELECT count(*) FROM outbox o JOIN contact c ON c.id = o.contact_id WHERE c.email = 'gone@example.com' "
                + "AND o.content_ref = 'issue:" + third + "'"));
    }

    @Test
    void an_arf_complaint_ends_every_subscription_and_enrollment_of_the_person_with_ledger_events() throws Exception {
        data.newsletter("monthly");
        importConfirmed("weekly", "cat@client.example");
        importConfirmed("monthly", "cat@client.example");
        String sales = data.token(Role.SALES);
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", "Client SA", "customer", true, "customerSince", "2025-01-01"))
                .put("/api/v1/accounts/client").then().statusCode(201);
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("account", "client", "name", "Renewal", "status", "WON",
                "contacts", List.of(Map.of("email", "cat@client.example")))).put("/api/v1/opportunities/renewal").then().statusCode(201);
        int sequence = given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", "Onboarding", "purpose", "CUSTOMER_SUCCESS",
                "steps", List.of(Map.of("delayHours", 48, "subject", "Tips", "body", "Short note.")))).post("/api/v1/sequences").then()
                .statusCode(201).extract().path("id");
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("email", "cat@client.example"))
                .post("/api/v1/sequences/" + sequence + "/enrollments").then().statusCode(201);
        long issue = sendIssue("Hello");
        dispatcher.drain("t");
        String messageId = data.messageIdOf("o.content_ref = 'issue:" + issue + "'");

        post(TestData.ADMIN, Reports.arf("cat@client.example", messageId), false).then().statusCode(200)
                .body("results[0].class", equalTo("complaint")).body("results[0].reason", equalTo("feedback"))
                .body("results[0].action", containsString("2 subscription(s) and 1 sequence(s) ended"));
        assertEquals("COMPLAINT", data.text("SELECT reason FROM suppression"));
        assertEquals(0, data.count("SELECT count(*) FROM subscription WHERE status <> 'UNSUBSCRIBED'"));
        assertEquals(2, data.count("SELECT count(*) FROM consent_event WHERE event = 'UNSUBSCRIBED' AND source = 'COMPLAINT' "
                + "AND detail = 'reported a message as spam'"));
        assertEquals("ENDED COMPLAINT", data.text("SELECT status || ' ' || ended_reason FROM enrollment"));
        assertEquals(1, data.count("SELECT count(*) FROM bounce_event WHERE class = 'COMPLAINT' AND attributed_by = 'MESSAGE_ID' AND issue_id = " + issue));
    }

    @Test
    void soft_bounces_about_the_recipient_on_three_days_suppress_and_a_later_delivery_resets_the_count() throws Exception {
        clock.freeze(Instant.parse("2026-03-02T10:00:00Z"));
        // Dee: mailbox full on three different days (twice on the first) within 30 days: suppressed on the third day.
        softBounce("dee@example.com", "dee:1").then().body("results[0].action", equalTo("counted (soft bounce day 1 of 3)"));
        softBounce("dee@example.com", "dee:2").then().body("results[0].action", equalTo("counted (soft bounce day 1 of 3)"));
        clock.advance(Duration.ofDays(1));
        softBounce("dee@example.com", "dee:3").then().body("results[0].action", equalTo("counted (soft bounce day 2 of 3)"));
        clock.advance(Duration.ofDays(2));
        assertEquals(0, data.count("SELECT count(*) FROM suppression"));
        softBounce("dee@example.com", "dee:4").then().body("results[0].action", equalTo("suppressed (soft bounces on 3 days)"));
        assertEquals(1, data.count("SELECT count(*) FROM suppression WHERE reason = 'HARD_BOUNCE'"));

        // Eve: two days of bounces, then a message that goes through and stays quiet for the quiet period: the count starts again.
        softBounce("eve@example.com", "eve:1");
        clock.advance(Duration.ofDays(1));
        softBounce("eve@example.com", "eve:2").then().body("results[0].action", equalTo("counted (soft bounce day 2 of 3)"));
        data.enqueue("eve@example.com", 1, "eve:fine");
        dispatcher.drain("t");
        clock.advance(Duration.ofDays(4));
        softBounce("eve@example.com", "eve:3").then().body("results[0].action", equalTo("counted (soft bounce day 1 of 3)"));
        assertEquals(1, data.count("SELECT count(*) FROM suppression"), "Eve is not suppressed");

        // A refusal of the sender (blocked, 5.7.1) is never the recipient's fault.
        OutboxMessage m = data.enqueue("fay@example.com", 1, "fay:1");
        dispatcher.drain("t");
        for (int day = 0; day < 4; day++) {
            post(TestData.ADMIN, Reports.dsn(verp.envelopeFor(m.id).orElseThrow(), "fay@example.com", "failed", "5.7.1",
                    "smtp; 550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org " + day, null), false)
                    .then().body("results[0].reason", equalTo("blocked"))
                    .body("results[0].action", equalTo("kept for the sender's reputation (not the recipient's fault)"));
            clock.advance(Duration.ofDays(1));
        }
        assertEquals(1, data.count("SELECT count(*) FROM suppression"), "Fay is not suppressed");
    }

    @Test
    void a_synchronous_block_of_the_sender_suppresses_nobody_and_counts_toward_the_breaker_which_pauses_the_issue() throws Exception {
        List<String> people = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            people.add((i <= 2 ? "blocked-" : "reader-") + i + "@example.com");
        }
        importConfirmed("weekly", people.toArray(String[]::new));
        long issue = sendIssue("Blocked");
        SmtpSubmitter viaScripted = new SmtpSubmitter(new SmtpRelay(SmtpRelay.Settings.plain("127.0.0.1", SmtpServers.scripted.port(),
                dev.valjean.delivery.SmtpConfig.Tls.DISABLED, 2, Duration.ofSeconds(5))), java.util.Optional.empty(), false, clock, 2);
        while (dispatcher.dispatchBatch("t", viaScripted) > 0) {
            // until the queue is empty
        }
        assertEquals(2, data.count("SELECT count(*) FROM outbox WHERE status = 'FAILED' AND last_reply LIKE '550 5.7.1%'"));
        assertEquals(0, data.count("SELECT count(*) FROM suppression"), "a block of the sender suppresses nobody");
        IssueBreaker.Figures f = breaker.figures(issue, null);
        assertEquals(new IssueBreaker.Figures(20, 0, 0, 2), f);
    }

    @Test
    void complaints_while_an_issue_sends_pause_it_at_the_threshold_and_resume_sends_each_remaining_message_once() throws Exception {
        List<String> people = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            people.add("reader-" + i + "@example.com");
        }
        importConfirmed("weekly", people.toArray(String[]::new));
        data.execute("INSERT INTO person (email, email_normalized, name, role, password_hash, created_at) VALUES "
                + "('ada@valjean.test', 'ada@valjean.test', 'Ada', 'ADMIN', NULL, now()), ('ed@valjean.test', 'ed@valjean.test', 'Ed', 'EDITOR', NULL, now())");
        long issue = sendIssue("Big news");
        // Half the issue goes now; the rest is not due yet (as in a long send).
        data.count("WITH later AS (UPDATE outbox SET next_attempt_at = now() + interval '1 hour' WHERE content_ref = 'issue:" + issue
                + "' AND id > (SELECT min(id) + 19 FROM outbox WHERE content_ref = 'issue:" + issue + "') RETURNING 1) SELECT count(*) FROM later");
        assertEquals(20, dispatcher.drain("t"));
        String messageId = data.messageIdOf("c.email = 'reader-3@example.com'");

        post(TestData.ADMIN, Reports.arf("reader-3@example.com", messageId), false).then().statusCode(200);
        assertEquals("PAUSED", data.text("SELECT status FROM issue WHERE id = " + issue));
        assertTrue(data.text("SELECT paused_reason FROM issue WHERE id = " + issue).startsWith("1 spam complaint in 20 messages (5.00 %"),
                data.text("SELECT paused_reason FROM issue WHERE id = " + issue));
        assertEquals(20, data.count("SELECT count(*) FROM outbox WHERE status = 'PAUSED'"));
        assertEquals(1, data.count("SELECT count(*) FROM audit_event WHERE action = 'issue.paused'"));
        data.count("WITH due AS (UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE status = 'PAUSED' RETURNING 1) SELECT count(*) FROM due");
        assertEquals(1, dispatcher.drain("t"), "nothing goes while paused but the admin's notice");
        var notice = SmtpServers.receivedBy("ada@valjean.test");
        assertEquals(1, notice.size());
        assertEquals("Issue " + issue + " paused itself", notice.get(0).getSubject());
        assertTrue(SmtpServers.receivedBy("ed@valjean.test").isEmpty(), "only admins are told");
        given().auth().oauth2(data.token(Role.EDITOR)).post("/api/v1/issues/" + issue + "/resume").then().statusCode(403);

        given().auth().oauth2(TestData.ADMIN).post("/api/v1/issues/" + issue + "/resume").then().statusCode(200).body("status", equalTo("SENDING"));
        given().auth().oauth2(TestData.ADMIN).post("/api/v1/issues/" + issue + "/resume").then().statusCode(409)
                .body("code", equalTo("ISSUE_NOT_PAUSED"));
        assertEquals(20, dispatcher.drain("t"));
        assertEquals(0, dispatcher.drain("t"));
        Map<String, Integer> received = new TreeMap<>();
        for (String p : people) {
            received.put(p, SmtpServers.receivedBy(p).size());
        }
        assertTrue(received.values().stream().allMatch(n -> n == 1), "each reader got the issue exactly once: " + received);
        assertEquals(1, data.count("SELECT count(*) FROM audit_event WHERE action = 'issue.resumed'"));
        breaker.check(issue);
        assertEquals("SENDING", data.text("SELECT status FROM issue WHERE id = " + issue), "after a resume the breaker counts afresh");
    }

    // ---- helpers

    /** valjean_bounces_total{class="hard",source="api"} from the Prometheus endpoint. */
    private static double hardFromApi() {
        String text = given().auth().oauth2(TestData.ADMIN).get("/q/metrics").then().statusCode(200).extract().asString();
        for (String line : text.split("\n")) {
            if (line.startsWith("valjean_bounces_total{") && line.contains("class=\"hard\"") && line.contains("source=\"api\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private Response softBounce(String email, String key) throws Exception {
        OutboxMessage m = data.enqueue(email, 1, key);
        dispatcher.drain("t");
        return post(TestData.ADMIN, Reports.dsn(verp.envelopeFor(m.id).orElseThrow(), email, "failed", "5.2.2",
                "smtp; 552 5.2.2 <" + email + ">: Mailbox full " + key, null), false);
    }

    /** A dry run of a "mailbox full" report from another domain's postmaster about {@code recipient}. */
    private io.restassured.response.ValidatableResponse mailboxFull(String recipient, String messageId) {
        return post(TestData.ADMIN, Reports.dsn("postmaster@elsewhere.example", recipient, "failed", "5.2.2", "smtp; 552 5.2.2 Mailbox full",
                messageId), true).then();
    }

    private Response post(String token, byte[] raw, boolean dryRun) {
        return given().auth().oauth2(token).contentType("message/rfc822").body(raw).post("/api/v1/bounces/messages?dryRun=" + dryRun);
    }

    private long sendIssue(String subject) {
        String editor = data.token(Role.EDITOR);
        int id = given().auth().oauth2(editor).contentType(ContentType.JSON)
                .body(Map.of("subject", subject, "items", List.of(Map.of("title", "One", "body", "A short note.", "url", "https://valjean.test/1"))))
                .post("/api/v1/newsletters/weekly/issues").then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{\"overrideReason\": \"test of bounces\"}").post("/api/v1/issues/" + id + "/send")
                .then().statusCode(200);
        return id;
    }

    private void importConfirmed(String slug, String... emails) {
        StringBuilder csv = new StringBuilder(CSV_HEADER);
        for (String e : emails) {
            csv.append(e).append(",Reader,2024-01-01T10:00:00Z,https://old.example/form,Send me the letter,2024-01-01T10:05:00Z\n");
        }
        data.request().contentType("text/csv").body(csv.toString()).post("/api/v1/newsletters/" + slug + "/imports").then().statusCode(201)
                .body("imported", equalTo(emails.length));
    }

    private long inFolder(String name) throws Exception {
        var store = SmtpServers.greenMail.getManagers().getImapHostManager();
        var user = SmtpServers.greenMail.getUserManager().getUser(SmtpServers.BOUNCE_MAILBOX);
        var folder = name.equals("INBOX") ? store.getInbox(user) : store.getFolder(user, name);
        return folder == null ? 0 : folder.getMessageCount();
    }
}
