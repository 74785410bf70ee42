package dev.valjean.subscription;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.common.EmailAddress;
import dev.valjean.contact.ContactService;
import dev.valjean.support.LockWaits;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * Sign-ups with a token share transactions (SignupBatches). To know what a transaction holds, a
 * test holds a contact's row locked from a connection of its own, so that both of the default two
 * threads wait on it, queues sign-ups behind them, and lets go.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SignupBatchesTest {

    @Inject
    TestData data;
    @Inject
    SignupBatches batches;
    @Inject
    SubscriptionService subscriptions;
    @Inject
    DataSource dataSource;
    @Inject
    ContactService contacts;

    private final ExecutorService callers = Executors.newFixedThreadPool(12);
    private String token;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
        token = data.token(Role.EDITOR);
    }

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    @Test
    void sign_ups_waiting_together_are_committed_together_and_each_is_whole() throws Exception {
        post("held@example.com").get(); // the contact whose lock holds both threads
        // d@example.com bounced hard once: the gate refuses its confirmation at enqueue, in the shared transaction
        data.execute("INSERT INTO suppression (email_hash, reason, created_at) VALUES ('"
                + contacts.hashOf(EmailAddress.parse("d@example.com")) + "', 'HARD_BOUNCE', now())");
        try (Connection holder = lock("held@example.com")) {
            List<Future<Integer>> held = holdBothThreads("held@example.com", "Held@Example.com");
            List<Future<Integer>> queued = new ArrayList<>();
            for (String email : List.of("c@example.com", "a@example.com", "b@example.com", "a@example.com", "d@example.com")) {
                queued.add(post(email));
            }
            LockWaits.awaitThat(() -> batches.waiting() == 5, "five sign-ups wait for a thread");
            holder.rollback();
            for (Future<Integer> f : held) {
                assertEquals(202, f.get());
            }
            for (Future<Integer> f : queued) {
                assertEquals(202, f.get());
            }
        }
        // The five were recorded by one transaction: their rows carry one transaction id.
        assertEquals(1L, data.count("""
                SELECT count(DISTINCT r.xmin::text) FROM subscription_request r JOIN contact c ON c.id = r.contact_id
                WHERE c.email_normalized IN ('a@example.com', 'b@example.com', 'c@example.com', 'd@example.com')"""));
        // Each is whole, as alone: a contact per address, a request, a ledger event and a confirmation per sign-up.
        assertEquals(5L, data.count("SELECT count(*) FROM contact"));
        assertEquals(8L, data.count("SELECT count(*) FROM subscription_request"));
        assertEquals(8L, data.count("SELECT count(*) FROM consent_event WHERE event = 'REQUESTED'"));
        assertEquals(2L, data.count("""
                SELECT count(*) FROM subscription_request r JOIN contact c ON c.id = r.contact_id WHERE c.email_normalized = 'a@example.com'"""));
        assertEquals(8L, data.count("SELECT count(*) FROM outbox WHERE purpose = 'CONFIRMATION'"));
        assertEquals(5L, data.count("SELECT count(*) FROM subscription WHERE status = 'PENDING'"));
        // Each confirmation was written by its sign-up's transaction (a write held for the next statement), and
        // keyed by its request; the gate's verdict on each is the one it gives alone.
        assertEquals(5L, data.count("""
                SELECT count(*) FROM outbox o JOIN subscription_request r ON o.idempotency_key = 'confirm:' || r.id
                    AND o.basis_id = r.id AND o.contact_id = r.contact_id AND o.xmin::text = r.xmin::text
                JOIN contact c ON c.id = r.contact_id
                WHERE c.email_normalized IN ('a@example.com', 'b@example.com', 'c@example.com', 'd@example.com')"""));
        assertEquals("QUEUED/QUEUED/QUEUED/QUEUED/SKIPPED SUPPRESSED_HARD_BOUNCE", data.text("""
                SELECT string_agg(o.status || coalesce(' ' || o.status_reason, ''), '/' ORDER BY c.email_normalized, o.id)
                FROM outbox o JOIN contact c ON c.id = o.contact_id
                WHERE c.email_normalized IN ('a@example.com', 'b@example.com', 'c@example.com', 'd@example.com')"""));
    }

    @Test
    void a_sign_up_that_fails_fails_alone_and_the_others_of_its_transaction_are_recorded() throws Exception {
        data.newsletter("gone");
        post("held@example.com").get();
        post("a-held@example.com").get();
        try (Connection holder = lock("held@example.com"); Connection second = lock("a-held@example.com")) {
            List<Future<Integer>> held = holdBothThreads("held@example.com", "held@example.com");
            // One transaction takes these three, checks them all (each is valid), then waits for a-held's contact.
            Future<Integer> aHeld = post("a-held@example.com");
            LockWaits.awaitThat(() -> batches.waiting() == 1, "a-held waits");
            Future<Integer> gone = post("gone@example.com", "gone", token);
            LockWaits.awaitThat(() -> batches.waiting() == 2, "gone waits");
            Future<Integer> last = post("last@example.com");
            LockWaits.awaitThat(() -> batches.waiting() == 3, "last waits");
            holder.rollback();
            for (Future<Integer> f : held) {
                assertEquals(202, f.get());
            }
            LockWaits.awaitThat(() -> batches.waiting() == 0 && waitingForLock() == 1, "the three wait for a-held's contact");
            // The newsletter goes between the check and the recording: its foreign key fails the statement. (No
            // newsletter is ever deleted, its consent texts are append-only: the owner removes it past its triggers.)
            try (Connection c = TestData.owner(); var s = c.createStatement()) {
                s.execute("SET session_replication_role = replica");
                s.executeUpdate("DELETE FROM consent_text WHERE newsletter_id = (SELECT id FROM newsletter WHERE slug = 'gone')");
                s.executeUpdate("DELETE FROM newsletter WHERE slug = 'gone'");
            }
            second.rollback();
            assertEquals(202, aHeld.get());
            assertEquals(202, last.get());
            // Alone, it is checked again and gets what it would have had alone.
            assertEquals(422, gone.get());
        }
        assertEquals(1L, data.count("SELECT count(*) FROM contact WHERE email_normalized = 'last@example.com'"));
        assertEquals(0L, data.count("SELECT count(*) FROM contact WHERE email_normalized = 'gone@example.com'"));
        assertEquals(2L, data.count("""
                SELECT count(*) FROM outbox o JOIN contact c ON c.id = o.contact_id
                WHERE c.email_normalized = 'a-held@example.com' AND o.purpose = 'CONFIRMATION'"""));
        assertEquals(1L, data.count("""
                SELECT count(*) FROM consent_event e JOIN contact c ON c.id = e.contact_id
                WHERE c.email_normalized = 'last@example.com' AND e.event = 'REQUESTED'"""));
        // Alone after the shared transaction failed: each in a transaction of its own.
        assertEquals(2L, data.count("""
                SELECT count(DISTINCT r.xmin::text) FROM subscription_request r JOIN contact c ON c.id = r.contact_id
                WHERE c.email_normalized = 'last@example.com' OR c.email_normalized = 'a-held@example.com'
                    AND r.id = (SELECT max(r2.id) FROM subscription_request r2 WHERE r2.contact_id = r.contact_id)"""));
    }

    @Test
    void each_sign_up_of_a_shared_transaction_gets_the_answer_it_would_get_alone() throws Exception {
        String revoked = data.token(Role.EDITOR);
        data.execute("UPDATE api_token SET revoked_at = now() WHERE id = (SELECT max(id) FROM api_token)");
        post("held@example.com").get();
        List<Future<io.restassured.response.Response>> answers = new ArrayList<>();
        try (Connection holder = lock("held@example.com")) {
            List<Future<Integer>> held = holdBothThreads("held@example.com", "held@example.com");
            answers.add(send("a@example.com", Map.of("newsletters", List.of("weekly")), token));
            answers.add(send("b@example.com", Map.of("newsletters", List.of("weekly")), revoked));
            answers.add(send("c@example.com", Map.of("newsletters", List.of("weekly", "nosuch")), token));
            answers.add(send("d@example.com", Map.of("newsletters", List.of("weekly"), "website", "http://spam.example"), token));
            answers.add(send("e@example.com", Map.of("newsletters", List.of("weekly"), "consentVersion", 7), token));
            answers.add(send("f@example.com", Map.of("newsletters", List.of("weekly"), "consent", false), token));
            answers.add(send("g@example.com", Map.of("newsletters", List.of("weekly")), "vj_nosuchtoken"));
            answers.add(send("h@example.com", Map.of("newsletters", List.of("weekly")), token));
            LockWaits.awaitThat(() -> batches.waiting() == 8, "eight sign-ups wait for a thread");
            holder.rollback();
            for (Future<Integer> f : held) {
                assertEquals(202, f.get());
            }
        }
        assertAnswer(answers.get(0), 202, null);
        assertAnswer(answers.get(1), 401, "UNAUTHORIZED");
        assertAnswer(answers.get(2), 422, "UNKNOWN_NEWSLETTER");
        assertAnswer(answers.get(3), 202, null); // the honeypot: accepted, nothing stored
        assertAnswer(answers.get(4), 422, "UNKNOWN_CONSENT_VERSION");
        assertAnswer(answers.get(5), 422, "CONSENT_REQUIRED");
        assertAnswer(answers.get(6), 401, "UNAUTHORIZED");
        assertAnswer(answers.get(7), 202, null);
        // Only a and h are stored, by one transaction; the others left nothing behind.
        assertEquals(1L, data.count("""
                SELECT count(DISTINCT r.xmin::text) FROM subscription_request r JOIN contact c ON c.id = r.contact_id
                WHERE c.email_normalized IN ('a@example.com', 'h@example.com')"""));
        assertEquals(2L, data.count("""
                SELECT count(*) FROM outbox o JOIN contact c ON c.id = o.contact_id
                WHERE c.email_normalized IN ('a@example.com', 'h@example.com') AND o.purpose = 'CONFIRMATION'"""));
        assertEquals(0L, data.count("""
                SELECT count(*) FROM contact WHERE email_normalized IN ('b@example.com', 'c@example.com', 'd@example.com',
                    'e@example.com', 'f@example.com', 'g@example.com')"""));
    }

    private Future<io.restassured.response.Response> send(String email, Map<String, Object> fields, String bearer) {
        Map<String, Object> body = new java.util.HashMap<>(Map.of("email", email, "consent", true));
        body.putAll(fields);
        return callers.submit(() -> RestAssured.given().header("Authorization", "Bearer " + bearer).contentType(ContentType.JSON)
                .body(body).post("/api/v1/subscriptions").andReturn());
    }

    private static void assertAnswer(Future<io.restassured.response.Response> answer, int status, String code) throws Exception {
        io.restassured.response.Response r = answer.get();
        assertEquals(status, r.statusCode(), r.asString());
        if (code != null) {
            assertEquals("application/problem+json", r.contentType().split(";")[0]);
            assertEquals(code, r.jsonPath().getString("code"));
        }
    }

    private SubscriptionService.Signup signup(String email) {
        return new SubscriptionService.Signup(email, null, List.of("weekly"), true, null, Source.API, null, "192.0.2.1", "test");
    }

    private Future<Integer> post(String email) {
        return post(email, "weekly", token);
    }

    private Future<Integer> post(String email, String newsletter, String bearer) {
        return callers.submit(() -> RestAssured.given().header("Authorization", "Bearer " + bearer).contentType(ContentType.JSON)
                .body(Map.of("email", email, "newsletters", List.of(newsletter), "consent", true))
                .post("/api/v1/subscriptions").statusCode());
    }

    /**
     * Each of the two threads takes one sign-up for the held contact and waits for its lock: the second is
     * posted once the first thread waits, so that no thread takes both into one transaction.
     */
    private List<Future<Integer>> holdBothThreads(String first, String second) throws InterruptedException {
        Future<Integer> one = post(first);
        LockWaits.awaitThat(() -> batches.waiting() == 0 && waitingForLock() == 1, "one thread waits for the held contact");
        Future<Integer> two = post(second);
        LockWaits.awaitThat(() -> batches.waiting() == 0 && waitingForLock() == 2, "both threads wait for the held contact");
        return List.of(one, two);
    }

    /** A connection that holds the contact's row locked until it rolls back or closes. */
    private Connection lock(String email) throws Exception {
        Connection c = dataSource.getConnection();
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM contact WHERE email_normalized = ? FOR UPDATE")) {
            s.setString(1, EmailAddress.parse(email).normalized());
            s.executeQuery().close();
        }
        return c;
    }

    private long waitingForLock() {
        return LockWaits.waitingForLock(data);
    }
}
