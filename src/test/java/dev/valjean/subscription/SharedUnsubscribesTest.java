package dev.valjean.subscription;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import dev.valjean.mail.Links;
import dev.valjean.support.LockWaits;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * One-click unsubscribes share transactions (PreferenceService, docs/DECISIONS.md 35). As in
 * SignupBatchesTest, a subscription's row held locked from a connection of the test's own holds both
 * threads, so that what is queued behind them goes into one transaction.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SharedUnsubscribesTest {

    @Inject
    TestData data;
    @Inject
    PreferenceService preferences;
    @Inject
    Links links;
    @Inject
    DataSource dataSource;

    private final ExecutorService callers = Executors.newFixedThreadPool(8);

    @BeforeEach
    void subscribe() throws Exception {
        data.reset();
        data.newsletter("weekly");
        String token = data.token(Role.EDITOR);
        for (String who : List.of("held", "a", "b", "c")) {
            RestAssured.given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                    .body(Map.of("email", who + "@example.com", "newsletters", List.of("weekly"), "consent", true))
                    .post("/api/v1/subscriptions").then().statusCode(202);
        }
        data.execute("UPDATE subscription SET status = 'CONFIRMED', confirmed_at = now()");
    }

    @AfterEach
    void stop() {
        callers.shutdownNow();
    }

    @Test
    void unsubscribes_waiting_together_are_committed_together_each_whole_and_a_repeat_records_nothing() throws Exception {
        long held = subscriptionOf("held");
        List<Future<String>> answers = new ArrayList<>();
        try (Connection holder = lock(held)) {
            // each thread takes one unsubscribe of the held subscription and waits for its row
            answers.add(unsubscribe(held));
            LockWaits.awaitThat(() -> preferences.unsubscribesWaiting() == 0 && waitingForLock() == 1, "one thread waits for the held row");
            answers.add(unsubscribe(held));
            LockWaits.awaitThat(() -> preferences.unsubscribesWaiting() == 0 && waitingForLock() == 2, "both threads wait for the held row");
            for (String who : List.of("c", "a", "b", "a")) {
                answers.add(unsubscribe(subscriptionOf(who)));
            }
            LockWaits.awaitThat(() -> preferences.unsubscribesWaiting() == 4, "four unsubscribes wait for a thread");
            holder.rollback();
            for (Future<String> f : answers) {
                assertEquals("200 You have left The weekly letter", f.get());
            }
        }
        assertEquals(0L, data.count("SELECT count(*) FROM subscription WHERE status <> 'UNSUBSCRIBED'"));
        // one ledger event per subscription left, however often its link was posted
        assertEquals(4L, data.count("SELECT count(*) FROM consent_event WHERE event = 'UNSUBSCRIBED'"));
        assertEquals(4L, data.count("SELECT count(DISTINCT contact_id) FROM consent_event WHERE event = 'UNSUBSCRIBED'"));
        // the three queued were ended by one transaction: their rows carry one transaction id
        assertEquals(1L, data.count("""
                SELECT count(DISTINCT s.xmin::text) FROM subscription s JOIN contact c ON c.id = s.contact_id
                WHERE c.email_normalized IN ('a@example.com', 'b@example.com', 'c@example.com')"""));
        assertEquals(1L, data.count("""
                SELECT count(DISTINCT e.xmin::text) FROM consent_event e JOIN contact c ON c.id = e.contact_id
                WHERE e.event = 'UNSUBSCRIBED' AND c.email_normalized IN ('a@example.com', 'b@example.com', 'c@example.com')"""));
    }

    private Future<String> unsubscribe(long subscriptionId) {
        String token = links.unsubscribeToken(subscriptionId);
        return callers.submit(() -> {
            var r = RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                    .post("/unsubscribe/" + token);
            String body = r.body().asString();
            return r.statusCode() + (body.contains("You have left The weekly letter") ? " You have left The weekly letter" : " " + body);
        });
    }

    private long subscriptionOf(String who) throws Exception {
        return data.count("SELECT s.id FROM subscription s JOIN contact c ON c.id = s.contact_id WHERE c.email_normalized = '"
                + who + "@example.com'");
    }

    /** A connection that holds the subscription's row locked until it rolls back or closes. */
    private Connection lock(long subscriptionId) throws Exception {
        Connection c = dataSource.getConnection();
        c.setAutoCommit(false);
        try (PreparedStatement s = c.prepareStatement("SELECT id FROM subscription WHERE id = ? FOR UPDATE")) {
            s.setLong(1, subscriptionId);
            s.executeQuery().close();
        }
        return c;
    }

    private long waitingForLock() {
        return LockWaits.waitingForLock(data);
    }
}
