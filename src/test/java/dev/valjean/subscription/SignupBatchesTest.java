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

    private final ExecutorService callers = Executors.newFixedThreadPool(8);
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
    }

    @Test
    void a_sign_up_that_fails_fails_alone_and_the_others_of_its_transaction_are_recorded() throws Exception {
        post("held@example.com").get();
        var good = subscriptions.validate(signup("good@example.com"));
        var gone = List.of(new SubscriptionService.Chosen(Long.MAX_VALUE, "Gone", good.get(0).cadence(), "x", "x@example.com",
                good.get(0).consentTextId()));
        try (Connection holder = lock("held@example.com")) {
            List<Future<Integer>> held = holdBothThreads("held@example.com", "held@example.com");
            Future<?> first = callers.submit(() -> batches.request(signup("first@example.com"), good));
            LockWaits.awaitThat(() -> batches.waiting() == 1, "the first waits");
            // A newsletter gone between validation and recording: its foreign key fails the statement.
            Future<?> failing = callers.submit(() -> batches.request(signup("gone@example.com"), gone));
            LockWaits.awaitThat(() -> batches.waiting() == 2, "the failing one waits");
            Future<?> last = callers.submit(() -> batches.request(signup("last@example.com"), good));
            LockWaits.awaitThat(() -> batches.waiting() == 3, "the last waits");
            holder.rollback();
            for (Future<Integer> f : held) {
                assertEquals(202, f.get());
            }
            first.get();
            last.get();
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, failing::get);
            assertInstanceOf(RuntimeException.class, e.getCause());
        }
        assertEquals(1L, data.count("SELECT count(*) FROM contact WHERE email_normalized = 'first@example.com'"));
        assertEquals(1L, data.count("SELECT count(*) FROM contact WHERE email_normalized = 'last@example.com'"));
        assertEquals(0L, data.count("SELECT count(*) FROM contact WHERE email_normalized = 'gone@example.com'"));
        assertEquals(2L, data.count("""
                SELECT count(*) FROM outbox o JOIN contact c ON c.id = o.contact_id
                WHERE c.email_normalized IN ('first@example.com', 'last@example.com') AND o.purpose = 'CONFIRMATION'"""));
        assertEquals(2L, data.count("""
                SELECT count(*) FROM consent_event e JOIN contact c ON c.id = e.contact_id
                WHERE c.email_normalized IN ('first@example.com', 'last@example.com') AND e.event = 'REQUESTED'"""));
        // Alone after the shared transaction failed: each in a transaction of its own.
        assertEquals(2L, data.count("""
                SELECT count(DISTINCT r.xmin::text) FROM subscription_request r JOIN contact c ON c.id = r.contact_id
                WHERE c.email_normalized IN ('first@example.com', 'last@example.com')"""));
    }

    private SubscriptionService.Signup signup(String email) {
        return new SubscriptionService.Signup(email, null, List.of("weekly"), true, null, Source.API, null, "192.0.2.1", "test");
    }

    private Future<Integer> post(String email) {
        return callers.submit(() -> RestAssured.given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .body(Map.of("email", email, "newsletters", List.of("weekly"), "consent", true))
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
