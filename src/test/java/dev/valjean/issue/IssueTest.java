package dev.valjean.issue;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

import dev.valjean.auth.Role;
import dev.valjean.delivery.BulkHold;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.OutboxStatus;
import dev.valjean.mail.Links;
import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import javax.xml.parsers.DocumentBuilderFactory;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class IssueTest {

    static final Path LAYOUTS = Path.of("target/test-layouts/newsletter");
    static final String CSV_HEADER = "email,name,consented_at,consent_source,consent_text,confirmed_at\n";

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    MutableClock clock;
    @Inject
    IssueService issues;
    @Inject
    Links links;
    @Inject
    IssueFanout fanout;
    @Inject
    IssueBreaker breaker;
    @Inject
    BulkHold bulkHold;

    String editor;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
        editor = data.token(Role.EDITOR);
        Files.createDirectories(LAYOUTS);
        try (var old = Files.list(LAYOUTS)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        for (String f : List.of("default.html", "default.txt")) {
            Files.copy(Path.of("templates/newsletter", f), LAYOUTS.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void zero_or_four_items_and_an_over_long_body_are_refused_one_to_three_are_accepted() {
        post(issue("Nothing", List.of())).then().statusCode(422).contentType("application/problem+json")
                .body("code", equalTo("ITEM_COUNT")).body("detail", containsString("has 0"));
        post(issue("Too much", List.of(item("a"), item("b"), item("c"), item("d")))).then().statusCode(422)
                .body("code", equalTo("ITEM_COUNT")).body("detail", containsString("has 4"));
        Map<String, Object> longBody = new HashMap<>(item("long"));
        longBody.put("body", "x".repeat(601));
        post(issue("Long", List.of(item("fine"), longBody))).then().statusCode(422)
                .body("code", equalTo("ISSUE_TOO_LONG"))
                .body("errors[0].field", equalTo("items[1].body"))
                .body("errors[0].message", containsString("the limit is 600"));
        post(issue("S".repeat(101), List.of(item("a")))).then().statusCode(422)
                .body("errors[0].field", equalTo("subject")).body("errors[0].message", containsString("limit is 100"));
        for (int n = 1; n <= 3; n++) {
            List<Map<String, Object>> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                items.add(item("Item " + i));
            }
            post(issue(n + " items", items)).then().statusCode(201).body("status", equalTo("DRAFT")).body("items.size()", equalTo(n));
        }
    }

    @Test
    void a_layout_without_the_required_links_or_address_or_with_a_syntax_error_is_refused_with_a_helpful_message()
            throws Exception {
        String html = Files.readString(LAYOUTS.resolve("default.html"));
        String text = Files.readString(LAYOUTS.resolve("default.txt"));
        Files.writeString(LAYOUTS.resolve("nounsub.html"), html.replace("{unsubscribeUrl}", "#"));
        Files.writeString(LAYOUTS.resolve("nounsub.txt"), text);
        Files.writeString(LAYOUTS.resolve("noaddress.html"), html);
        Files.writeString(LAYOUTS.resolve("noaddress.txt"), text.replace("{postalAddress}", ""));
        Files.writeString(LAYOUTS.resolve("broken.html"), html.replace("{#for item in items}", "{#for item in items"));
        Files.writeString(LAYOUTS.resolve("broken.txt"), text);

        post(issue("x", List.of(item("a")), "nounsub")).then().statusCode(422).body("code", equalTo("LAYOUT_INCOMPLETE"))
                .body("detail", containsString("html: the unsubscribe link {unsubscribeUrl}"));
        post(issue("x", List.of(item("a")), "noaddress")).then().statusCode(422).body("code", equalTo("LAYOUT_INCOMPLETE"))
                .body("detail", containsString("txt: the postal address {postalAddress}"));
        post(issue("x", List.of(item("a")), "broken")).then().statusCode(422).body("code", equalTo("LAYOUT_INVALID"))
                .body("detail", containsString("broken.html, line "));
        post(issue("x", List.of(item("a")), "missing")).then().statusCode(422).body("code", equalTo("LAYOUT_NOT_FOUND"));

        // A layout broken after the issue was saved is caught at preview, long before sending.
        int id = post(issue("Fine", List.of(item("a")))).then().statusCode(201).extract().path("id");
        Files.writeString(LAYOUTS.resolve("default.html"), html.replace("{postalAddress}", ""));
        given().auth().oauth2(editor).get("/api/v1/issues/" + id + "/preview").then().statusCode(422)
                .body("code", equalTo("LAYOUT_INCOMPLETE")).body("detail", containsString("html: the postal address"));
        Files.writeString(LAYOUTS.resolve("default.html"), html.replace("{subject}", "{subjekt}"));
        given().auth().oauth2(editor).get("/api/v1/issues/" + id + "/preview").then().statusCode(422)
                .body("code", equalTo("LAYOUT_INVALID")).body("detail", containsString("line 6"));
    }

    @Test
    void only_confirmed_subscribers_receive_the_issue_once_with_list_headers_text_part_and_postal_address() throws Exception {
        importConfirmed("ann@example.com", "bob@example.com", "cid@example.com", "dan@example.com", "eve@example.com");
        data.request().contentType(ContentType.JSON)
                .body(Map.of("email", "pending@example.com", "newsletters", List.of("weekly"), "consent", true))
                .post("/api/v1/subscriptions").then().statusCode(202);
        unsubscribe("dan@example.com");
        data.request().contentType(ContentType.JSON).body(Map.of("email", "eve@example.com", "reason", "COMPLAINT"))
                .post("/api/v1/suppressions").then().statusCode(201);
        dispatcher.drain("t");
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();

        int id = post(issue("Three short things", List.of(item("One"), item("Two")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + id + "/send")
                .then().statusCode(200).body("status", equalTo("SENDING")).body("recipients", equalTo(3))
                .body("progress.queued", equalTo(3));
        // One of them in flight (another instance's lease): counted as sending, not as waiting.
        data.execute("INSERT INTO outbox_lease (outbox_id, owner, until) SELECT min(id), 'elsewhere', now() + interval '1 minute' FROM outbox"
                + " WHERE content_ref = 'issue:" + id + "'");
        given().auth().oauth2(editor).get("/api/v1/issues/" + id).then().statusCode(200)
                .body("progress.queued", equalTo(2)).body("progress.sending", equalTo(1)).body("progress.sent", equalTo(0));
        data.execute("DELETE FROM outbox_lease");
        // From and List-Id are the issue's, as its newsletter had them when it started: the rows carry neither, and a
        // newsletter renamed afterwards changes the next issue, not this one.
        assertEquals(0L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "' AND (sender IS NOT NULL OR list_id IS NOT NULL)"));
        assertEquals(1L, data.count("SELECT count(*) FROM issue WHERE id = " + id
                + " AND sender = '\"Valjean News\" <news@valjean.test>' AND list_id = '\"The weekly letter\" <weekly.valjean.test>'"));
        data.request().contentType(ContentType.JSON).body(Map.of("name", "The renamed letter", "senderName", "Renamed News"))
                .patch("/api/v1/newsletters/weekly").then().statusCode(200);
        long row = data.count("SELECT min(id) FROM outbox WHERE content_ref = 'issue:" + id + "'");
        data.request().get("/api/v1/outbox/" + row).then().statusCode(200)
                .body("sender", equalTo("\"Valjean News\" <news@valjean.test>"))
                .body("listId", equalTo("\"The weekly letter\" <weekly.valjean.test>"));
        // A row queued before V31 carries its own From and List-Id, and those win.
        data.execute("UPDATE outbox o SET sender = '\"Earlier News\" <news@valjean.test>', list_id = '\"The earlier letter\" <earlier.valjean.test>'"
                + " FROM contact c WHERE c.id = o.contact_id AND c.email_normalized = 'bob@example.com' AND o.content_ref = 'issue:" + id + "'");
        // cid leaves after the fan-out, before the send: the gate looks again and nothing reaches cid.
        unsubscribe("cid@example.com");
        dispatcher.drain("t");

        assertEquals(1, SmtpServers.receivedBy("ann@example.com").size());
        assertEquals(1, SmtpServers.receivedBy("bob@example.com").size());
        for (String nobody : List.of("cid@example.com", "dan@example.com", "eve@example.com", "pending@example.com")) {
            assertTrue(SmtpServers.receivedBy(nobody).isEmpty(), nobody);
        }
        assertEquals(2, SmtpServers.greenMail.getReceivedMessages().length);

        MimeMessage mail = SmtpServers.receivedBy("ann@example.com").get(0);
        assertEquals("Three short things", mail.getSubject());
        assertEquals("\"Valjean News\" <news@valjean.test>", mail.getHeader("From", null));
        String unsubscribe = mail.getHeader("List-Unsubscribe", null);
        assertTrue(unsubscribe.matches("<https://valjean\\.test/unsubscribe/[0-9]+\\.[A-Za-z0-9_-]+>"), unsubscribe);
        assertEquals("List-Unsubscribe=One-Click", mail.getHeader("List-Unsubscribe-Post", null));
        assertEquals("\"The weekly letter\" <weekly.valjean.test>", mail.getHeader("List-Id", null));
        MimeMessage earlier = SmtpServers.receivedBy("bob@example.com").get(0);
        assertEquals("\"Earlier News\" <news@valjean.test>", earlier.getHeader("From", null));
        assertEquals("\"The earlier letter\" <earlier.valjean.test>", earlier.getHeader("List-Id", null));
        String text = Visitor.text(mail);
        String html = Visitor.html(mail);
        assertTrue(text.contains("Valjean Test Ltd, 1 Test Street"), text);
        assertTrue(html.contains("Valjean Test Ltd, 1 Test Street"), html);
        assertTrue(text.contains("Hello Ann,"), "personal name: " + text);
        assertTrue(text.contains(unsubscribe.substring(1, unsubscribe.length() - 1)), "the reader's own link is in the text");
        assertFalse(html.contains("<img"), "no tracking pixel");

        // The one-click link in the header works.
        given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post(unsubscribe.substring(unsubscribe.indexOf("/unsubscribe/"), unsubscribe.length() - 1)).then().statusCode(200);

        issues.finishDone();
        given().auth().oauth2(editor).get("/api/v1/issues/" + id).then().statusCode(200)
                .body("status", equalTo("SENT"))
                .body("progress.sent", equalTo(2))
                .body("progress.skipped", equalTo(1))
                .body("progress.skippedBy.SUBSCRIPTION_UNSUBSCRIBED", equalTo(1));
        // Four confirmed at the start (eve suppressed among them) in parts of two: every part done once, and running again adds nothing.
        assertEquals(2L, data.count("SELECT count(*) FROM issue_fanout WHERE issue_id = " + id + " AND done_at IS NOT NULL"));
        assertEquals(0, issues.startDue());
        assertEquals(3L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "'"));
    }

    @Test
    void a_large_issues_progress_adds_up_early_midway_and_late() throws Exception {
        importConfirmed("ann@example.com");
        dispatcher.drain("t");
        int id = post(issue("Many readers", List.of(item("One")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + id + "/send")
                .then().statusCode(200).body("recipients", equalTo(1)).body("progress.queued", equalTo(1));
        // 5,000 rows (the reader's one, copied), so that both shares pass the counting's first bounds.
        String ref = "'issue:" + id + "'";
        data.execute("INSERT INTO outbox (idempotency_key, purpose, basis_type, basis_id, contact_id, sender, content_ref, list_id, status,"
                + " next_attempt_at, created_at, updated_at) SELECT 'copy:' || i, purpose, basis_type, basis_id, contact_id, sender, content_ref,"
                + " list_id, 'QUEUED', next_attempt_at + interval '1 day', created_at, updated_at FROM outbox, generate_series(1, 4999) i"
                + " WHERE content_ref = " + ref);
        data.execute("UPDATE issue SET recipients = 5000 WHERE id = " + id);
        data.execute("UPDATE outbox SET status = 'SKIPPED', status_reason = 'SUBSCRIPTION_UNSUBSCRIBED' WHERE idempotency_key IN ('copy:1', 'copy:2')");
        data.execute("UPDATE outbox SET status = 'FAILED', status_reason = 'REJECTED' WHERE idempotency_key = 'copy:3'");
        data.execute("INSERT INTO outbox_lease (outbox_id, owner, until) SELECT id, 'elsewhere', now() + interval '1 minute' FROM outbox"
                + " WHERE idempotency_key = 'copy:4'");
        // sent: a few, half, nearly all
        for (int sent : new int[] { 10, 2500, 4990, 4996 }) {
            data.execute("UPDATE outbox SET status = 'QUEUED' WHERE content_ref = " + ref + " AND status = 'SENT'");
            data.execute("UPDATE outbox SET status = 'SENT', sent_at = now() WHERE id IN (SELECT id FROM outbox WHERE content_ref = " + ref
                    + " AND status = 'QUEUED' AND idempotency_key IS DISTINCT FROM 'copy:4' ORDER BY id LIMIT " + sent + ")");
            given().auth().oauth2(editor).get("/api/v1/issues/" + id).then().statusCode(200)
                    .body("progress.sent", equalTo(sent))
                    .body("progress.sending", equalTo(1))
                    .body("progress.queued", equalTo(5000 - 3 - 1 - sent))
                    .body("progress.skipped", equalTo(2))
                    .body("progress.failed", equalTo(1))
                    .body("progress.skippedBy.SUBSCRIPTION_UNSUBSCRIBED", equalTo(2));
        }
    }

    @Test
    void author_markdown_with_scripts_or_event_handlers_is_neutralised_in_the_email_and_the_archive() throws Exception {
        importConfirmed("ann@example.com");
        Map<String, Object> nasty = new HashMap<>();
        nasty.put("title", "Read <b>this</b>");
        nasty.put("body", "Hello <script>alert('x')</script> and <img src=x onerror=alert(2)> and [a link](javascript:alert(3)) "
                + "and **bold** and [fine](https://example.com/ok)\n\n<form action=\"https://evil.example\"><input name=q></form>");
        int id = post(issue("Careful", List.of(nasty))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + id + "/send")
                .then().statusCode(200);
        dispatcher.drain("t");
        String html = Visitor.html(SmtpServers.receivedBy("ann@example.com").get(0));
        String page = given().get("/archive/weekly/" + id).then().statusCode(200).extract().asString();
        for (String out : List.of(html, page)) {
            // What a browser or mail client would build from it: no script, no handler, no form, no image.
            org.jsoup.nodes.Document dom = org.jsoup.Jsoup.parse(out);
            assertTrue(dom.select("script, form, input, img, iframe, object").isEmpty(), out);
            assertTrue(dom.getAllElements().stream().flatMap(e -> e.attributes().asList().stream())
                    .noneMatch(a -> a.getKey().toLowerCase().startsWith("on")), "no event handler attribute: " + out);
            assertTrue(dom.select("a[href]").stream().noneMatch(a -> a.attr("href").toLowerCase().startsWith("javascript")), out);
            assertTrue(out.contains("&lt;script&gt;"), "the author's text is shown, not run: " + out);
            assertTrue(out.contains("<strong>bold</strong>"), out);
            assertTrue(out.contains("href=\"https://example.com/ok\""), out);
            assertTrue(out.contains("Read &lt;b&gt;this&lt;/b&gt;"), "titles are escaped: " + out);
        }
    }

    @Test
    void a_second_send_inside_the_cadence_interval_needs_an_override_with_a_reason() {
        int first = post(issue("First", List.of(item("a")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + first + "/send")
                .then().statusCode(200);
        clock.advance(Duration.ofDays(3));
        int second = post(issue("Second", List.of(item("b")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + second + "/send")
                .then().statusCode(409).body("code", equalTo("CADENCE_TOO_SOON")).body("detail", containsString("once a week"));
        given().auth().oauth2(editor).contentType(ContentType.JSON)
                .body(Map.of("at", clock.instant().plus(Duration.ofDays(1)).toString()))
                .post("/api/v1/issues/" + second + "/schedule").then().statusCode(409);
        given().auth().oauth2(editor).contentType(ContentType.JSON)
                .body(Map.of("at", clock.instant().plus(Duration.ofDays(4)).toString()))
                .post("/api/v1/issues/" + second + "/schedule").then().statusCode(200).body("status", equalTo("SCHEDULED"));
        given().auth().oauth2(editor).post("/api/v1/issues/" + second + "/cancel").then().statusCode(200)
                .body("status", equalTo("CANCELLED"));

        int urgent = post(issue("Urgent", List.of(item("c")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON)
                .body(Map.of("overrideReason", "Security notice our readers must see now"))
                .post("/api/v1/issues/" + urgent + "/send").then().statusCode(200)
                .body("status", equalTo("SENDING")).body("cadenceOverride", equalTo("Security notice our readers must see now"));
        given().auth().oauth2(editor).post("/api/v1/issues/" + urgent + "/cancel").then().statusCode(409)
                .body("code", equalTo("ISSUE_NOT_EDITABLE"));
    }

    @Test
    void a_fan_out_stopped_half_way_is_finished_by_the_job_on_two_instances_at_once_each_reader_queued_once() throws Exception {
        importConfirmed("ann@example.com", "bob@example.com", "cid@example.com", "dan@example.com", "eve@example.com");
        dispatcher.drain("t");
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        int id = post(issue("In parts", List.of(item("One")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("at", clock.instant().plus(Duration.ofMinutes(1)).toString()))
                .post("/api/v1/issues/" + id + "/schedule").then().statusCode(200);
        clock.advance(Duration.ofMinutes(2));

        // Started, its parts recorded (two, two, one), and the instance dies before it queues any: nothing is lost, nothing is SENT early.
        assertEquals(1, QuarkusTransaction.requiringNew().call(issues::startScheduled));
        assertEquals(3L, data.count("SELECT count(*) FROM issue_fanout WHERE issue_id = " + id + " AND done_at IS NULL"));
        assertThrows(IllegalStateException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
            assertEquals(2, fanout.queueNextPart(id).orElseThrow(), "a part queued ...");
            throw new IllegalStateException("... and the instance killed before its commit");
        }));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "'"));
        assertEquals(0, issues.finishDone(), "not SENT while parts wait");
        given().auth().oauth2(editor).get("/api/v1/issues/" + id).then().statusCode(200)
                .body("status", equalTo("SENDING")).body("recipients", equalTo(null));

        // Meanwhile cid leaves and someone new is imported: neither was a confirmed reader at the start that is still one.
        unsubscribe("cid@example.com");
        importConfirmed("late@example.com");

        // Two instances' jobs run at once; the parts' locks share the work out.
        ExecutorService instances = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> runs = List.of(instances.submit(issues::startDue), instances.submit(issues::startDue));
            for (Future<Integer> run : runs) {
                assertEquals(0, run.get(30, TimeUnit.SECONDS), "no scheduled issue left to start");
            }
        } finally {
            instances.shutdownNow();
        }
        assertEquals(4L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "'"));
        assertEquals(4L, data.count("SELECT count(DISTINCT contact_id) FROM outbox WHERE content_ref = 'issue:" + id + "'"));
        assertEquals(0L, data.count("SELECT count(*) FROM issue_fanout WHERE issue_id = " + id + " AND done_at IS NULL"));
        assertEquals(4L, data.count("SELECT sum(added) FROM issue_fanout WHERE issue_id = " + id));
        given().auth().oauth2(editor).get("/api/v1/issues/" + id).then().statusCode(200).body("recipients", equalTo(4));

        // Were a part ever queued twice (its mark lost), the outbox would refuse the copy: an issue's rows have no
        // idempotency key, and the issue and the subscription are unique instead (V30).
        data.execute("UPDATE issue_fanout SET done_at = NULL, added = NULL WHERE issue_id = " + id + " AND part = 0");
        RuntimeException twice = assertThrows(RuntimeException.class,
                () -> QuarkusTransaction.requiringNew().run(() -> fanout.queueNextPart(id)));
        Throwable root = twice;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(String.valueOf(root.getMessage()).contains("outbox_issue_reader"), root.getMessage());
        data.execute("UPDATE issue_fanout SET done_at = now(), added = 2 WHERE issue_id = " + id + " AND part = 0");
        assertEquals(4L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "'"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "' AND idempotency_key IS NOT NULL"));

        dispatcher.drain("t");
        assertEquals(1, issues.finishDone());
        for (String reader : List.of("ann@example.com", "bob@example.com", "dan@example.com", "eve@example.com")) {
            assertEquals(1, SmtpServers.receivedBy(reader).size(), reader);
        }
        assertTrue(SmtpServers.receivedBy("cid@example.com").isEmpty());
        assertTrue(SmtpServers.receivedBy("late@example.com").isEmpty());
    }

    @Test
    void a_paused_issue_queues_no_more_parts_until_resumed_and_a_cancelled_one_never_does() throws Exception {
        importConfirmed("ann@example.com", "bob@example.com", "cid@example.com", "dan@example.com", "eve@example.com");
        long resumed = startedInParts("Paused, then resumed");
        long cancelled = startedInParts("Paused, then cancelled");
        for (long id : List.of(resumed, cancelled)) {
            assertEquals(2, QuarkusTransaction.requiringNew().call(() -> fanout.queueNextPart(id)).orElseThrow());
            assertTrue(QuarkusTransaction.requiringNew().call(() -> breaker.pause(id, "a test", new IssueBreaker.Figures(2, 0, 0, 0))));
            assertEquals(2L, data.count("SELECT count(*) FROM outbox WHERE status = 'PAUSED' AND content_ref = 'issue:" + id + "'"));
            assertEquals("5 3", data.text("SELECT (detail->>'waiting') || ' ' || (detail->>'notYetQueued') FROM audit_event "
                    + "WHERE action = 'issue.paused' AND object_id = '" + id + "'"), "the admins are told of the readers in parts not yet queued too");
        }
        issues.startDue();
        assertEquals(4L, data.count("SELECT count(*) FROM outbox WHERE content_ref LIKE 'issue:%'"), "no part queued while paused");
        assertEquals(4L, data.count("SELECT count(*) FROM issue_fanout WHERE done_at IS NULL"));

        QuarkusTransaction.requiringNew().run(() -> breaker.resume(resumed));
        QuarkusTransaction.requiringNew().run(() -> breaker.cancel(cancelled));
        issues.startDue();
        assertEquals(5L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + resumed + "'"));
        assertEquals(2L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + cancelled + "' AND status = 'SKIPPED'"));
        assertEquals(2L, data.count("SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + cancelled + "'"), "its other parts never queued");
        assertEquals(0L, data.count("SELECT count(*) FROM issue_fanout WHERE done_at IS NULL"));
        given().auth().oauth2(editor).get("/api/v1/issues/" + resumed).then().statusCode(200).body("recipients", equalTo(5));
    }

    @Test
    void while_an_issue_fans_out_here_a_confirmation_is_sent_and_none_of_the_issue_until_its_fan_out_ends() throws Exception {
        importConfirmed("ann@example.com", "bob@example.com", "cid@example.com", "dan@example.com", "eve@example.com");
        dispatcher.drain("t");
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        long id = startedInParts("Held back");
        String rows = "SELECT count(*) FROM outbox WHERE content_ref = 'issue:" + id + "'";

        // Another instance holds the last part: this instance's fan-out queues the other two, then waits for it.
        try (java.sql.Connection other = TestData.owner(); java.sql.Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            s.execute("SELECT 1 FROM issue_fanout WHERE issue_id = " + id + " AND part = 2 FOR UPDATE");
            CompletableFuture<Void> expanding = CompletableFuture.runAsync(() -> fanout.expand(id));
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (data.count(rows) < 4 && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertEquals(4L, data.count(rows), "two parts queued");
            assertFalse(expanding.isDone(), "the fan-out waits for the last part");
            assertFalse(bulkHold.bulkAllowed());

            OutboxMessage confirmation = data.enqueue("new@example.com", 1, "during:fan-out");
            dispatcher.drain("t");
            assertEquals(OutboxStatus.SENT, data.reload(confirmation.id).status, "mail outside the issue leaves during its fan-out");
            assertEquals(4L, data.count(rows + " AND status = 'QUEUED'"), "none of the issue's rows");
            assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"), "nor claimed");
            assertEquals(1, SmtpServers.greenMail.getReceivedMessages().length);

            other.rollback();
            expanding.get(15, TimeUnit.SECONDS);
        }
        assertTrue(bulkHold.bulkAllowed(), "released with the fan-out");
        assertEquals(5L, data.count(rows));
        dispatcher.drain("t");
        for (String reader : List.of("ann@example.com", "bob@example.com", "cid@example.com", "dan@example.com", "eve@example.com")) {
            assertEquals(1, SmtpServers.receivedBy(reader).size(), reader);
        }
    }

    /** An issue started by the scheduler with its fan-out's parts recorded and none of them queued yet. */
    private long startedInParts(String subject) throws Exception {
        int id = post(issue(subject, List.of(item("One")))).then().statusCode(201).extract().path("id");
        QuarkusTransaction.requiringNew().run(() -> {
            Issue issue = issues.find(id);
            issue.status = IssueStatus.SCHEDULED;
            issue.scheduledAt = clock.instant();
        });
        assertEquals(1, QuarkusTransaction.requiringNew().call(issues::startScheduled));
        assertEquals(3L, data.count("SELECT count(*) FROM issue_fanout WHERE done_at IS NULL AND issue_id = " + id));
        return id;
    }

    @Test
    void a_scheduled_issue_starts_when_due() throws Exception {
        int id = post(issue("Later", List.of(item("a")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("at", clock.instant().plus(Duration.ofHours(2)).toString()))
                .post("/api/v1/issues/" + id + "/schedule").then().statusCode(200);
        assertEquals(0, issues.startDue());
        clock.advance(Duration.ofHours(3));
        assertEquals(1, issues.startDue());
        assertEquals("SENDING", data.text("SELECT status FROM issue WHERE id = " + id));
        assertEquals(1, issues.finishDone(), "nobody to send to: done at once");
        assertEquals("SENT", data.text("SELECT status FROM issue WHERE id = " + id));
    }

    @Test
    void the_archive_page_and_a_well_formed_atom_feed_list_the_sent_issue() throws Exception {
        int draft = post(issue("Not yet", List.of(item("a")))).then().statusCode(201).extract().path("id");
        int id = post(issue("Open for all", List.of(item("One thing")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + id + "/send")
                .then().statusCode(200);

        given().get("/archive/weekly").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("href=\"/archive/weekly/" + id + "\""), containsString("Open for all"),
                        not(containsString("Not yet")));
        given().get("/archive/weekly/" + id).then().statusCode(200).body(containsString("One thing"),
                not(containsString("/unsubscribe/")), not(containsString("/preferences/")));
        given().get("/archive/weekly/" + draft).then().statusCode(404);

        Response feed = given().get("/archive/weekly/feed.xml");
        feed.then().statusCode(200).contentType(containsString("application/atom+xml"));
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document atom = factory.newDocumentBuilder().parse(new ByteArrayInputStream(feed.asByteArray()));
        assertEquals("feed", atom.getDocumentElement().getLocalName());
        assertEquals("http://www.w3.org/2005/Atom", atom.getDocumentElement().getNamespaceURI());
        assertEquals(1, atom.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "entry").getLength());
        assertEquals("https://valjean.test/archive/weekly/" + id,
                atom.getElementsByTagNameNS("http://www.w3.org/2005/Atom", "entry").item(0).getFirstChild().getTextContent());
        assertTrue(feed.asString().contains("<title>Open for all</title>"));
    }

    @Test
    void preview_shows_what_a_subscriber_sees_and_a_test_goes_to_the_editor_only() throws Exception {
        String withEmail = io.quarkus.arc.Arc.container().instance(dev.valjean.auth.ApiTokenService.class).get()
                .create("desk", Role.EDITOR, "desk@example.com").secret();
        int id = post(issue("Preview me", List.of(item("Alpha")))).then().statusCode(201).extract().path("id");
        given().auth().oauth2(withEmail).get("/api/v1/issues/" + id + "/preview").then().statusCode(200)
                .body("subject", equalTo("Preview me"))
                .body("html", containsString("Alpha"))
                .body("html", containsString("Valjean Test Ltd"))
                .body("text", containsString("Unsubscribe in one click: https://valjean.test/unsubscribe/preview"));
        given().auth().oauth2(withEmail).contentType(ContentType.JSON).body("{}").post("/api/v1/issues/" + id + "/test")
                .then().statusCode(202);
        dispatcher.drain("t");
        assertEquals(1, SmtpServers.receivedBy("desk@example.com").size());
        assertEquals("[Test] Preview me", SmtpServers.receivedBy("desk@example.com").get(0).getSubject());
        assertEquals("DRAFT", data.text("SELECT status FROM issue WHERE id = " + id), "a test is not a send");
        assertEquals(1L, data.count("SELECT count(*) FROM outbox WHERE purpose = 'TRANSACTIONAL'"));
        assertNotNull(issues.find(id));
    }

    private void importConfirmed(String... emails) {
        StringBuilder csv = new StringBuilder(CSV_HEADER);
        for (String e : emails) {
            String name = Character.toUpperCase(e.charAt(0)) + e.substring(1, e.indexOf('@'));
            csv.append(e).append(',').append(name).append(",2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n");
        }
        data.request().contentType("text/csv").body(csv.toString()).post("/api/v1/newsletters/weekly/imports")
                .then().statusCode(201).body("imported", equalTo(emails.length));
    }

    private void unsubscribe(String email) throws Exception {
        long subscription = data.count("SELECT s.id FROM subscription s JOIN contact c ON c.id = s.contact_id WHERE c.email = '" + email + "'");
        given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + links.unsubscribeToken(subscription)).then().statusCode(200);
    }

    private Response post(Map<String, Object> body) {
        return given().auth().oauth2(editor).contentType(ContentType.JSON).body(body).post("/api/v1/newsletters/weekly/issues");
    }

    private static Map<String, Object> issue(String subject, List<Map<String, Object>> items) {
        return issue(subject, items, "default");
    }

    private static Map<String, Object> issue(String subject, List<Map<String, Object>> items, String layout) {
        Map<String, Object> body = new HashMap<>();
        body.put("subject", subject);
        body.put("preheader", "A short one");
        body.put("layout", layout);
        body.put("items", items);
        return body;
    }

    private static Map<String, Object> item(String title) {
        Map<String, Object> item = new HashMap<>();
        item.put("title", title);
        item.put("body", "Something worth *reading* about " + title + ".");
        item.put("url", "https://example.com/" + title.replace(' ', '-'));
        return item;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
