package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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

import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DispatcherTest {

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    OutboxRepository repository;
    @Inject
    MutableClock clock;
    @Inject
    DeliveryConfig config;
    @Inject
    ConsentGate gate;
    @Inject
    dev.valjean.privacy.ContactDataService erasure;
    @Inject
    MailComposer composer;
    @Inject
    SmtpSubmitter submitter;
    @Inject
    SendRateLimiter rateLimiter;
    @Inject
    DeliveryMetrics metrics;
    @Inject
    ComposeReadiness readiness;
    @Inject
    javax.sql.DataSource dataSource;
    @Inject
    BulkHold bulkHold;

    /** A second dispatcher of this instance's parts, which a test may stop (as SIGTERM does) or misconfigure. */
    private Dispatcher another(ComposeReadiness withReadiness) {
        return new Dispatcher(repository, gate, composer, submitter, rateLimiter, metrics, config, withReadiness, bulkHold, clock);
    }

    /** The same submitter code in front of another relay: the scripted one, or a port nobody listens on. */
    private SmtpSubmitter via(int port) {
        return via(SmtpRelay.Settings.plain("127.0.0.1", port, SmtpConfig.Tls.DISABLED, 2, Duration.ofSeconds(15)));
    }

    /** Two connections to the scripted relay: each reply within 1 s, the one after a message's content within {@code finalReply}. */
    private SmtpSubmitter viaScripted(Duration finalReply) {
        return via(SmtpRelay.Settings.plain("127.0.0.1", SmtpServers.scripted.port(), SmtpConfig.Tls.DISABLED, 2, Duration.ofSeconds(1))
                .withTimeouts(Duration.ofSeconds(1), finalReply));
    }

    private SmtpSubmitter via(SmtpRelay.Settings settings) {
        return new SmtpSubmitter(new SmtpRelay(settings), Optional.empty(), false, clock, settings.connections());
    }

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void two_dispatchers_running_at_once_deliver_a_thousand_messages_each_exactly_once() throws Exception {
        Set<String> expectedIds = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            expectedIds.add(data.messageIdOf("o.id = " + data.enqueue("reader" + i + "@example.com", i, "bulk:" + i).id));
        }

        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> runs = new ArrayList<>();
        for (String owner : List.of("dispatcher-a", "dispatcher-b")) {
            Callable<Integer> run = () -> {
                start.await();
                return dispatcher.drain(owner);
            };
            runs.add(pool.submit(run));
        }
        start.countDown();
        int handled = 0;
        for (Future<Integer> run : runs) {
            handled += run.get();
        }
        pool.shutdown();
        assertEquals(1000, handled, "rows handled by both dispatchers together");

        MimeMessage[] received = SmtpServers.greenMail.getReceivedMessages();
        List<String> receivedIds = new ArrayList<>();
        for (MimeMessage m : received) {
            receivedIds.add(m.getHeader("Message-ID", null));
        }
        assertEquals(1000, receivedIds.size(), "delivered messages");
        assertEquals(expectedIds, new HashSet<>(receivedIds), "each message delivered once");
        assertEquals(1000L, count("status = 'SENT'"));
    }

    @Test
    void a_dispatch_loop_kept_busy_by_the_queue_still_returns_a_dead_dispatchers_rows_while_it_runs() throws Exception {
        for (int i = 0; i < 10; i++) {
            data.enqueue("orphan" + i + "@example.com", i, "orphan:" + i);
        }
        assertEquals(10, repository.claim("crashed", clock.instant(), config.lease(), 100).size());
        int queued = config.batchSize() + 50;
        for (int i = 0; i < queued; i++) {
            data.enqueue("steady" + i + "@example.com", 100 + i, "steady:" + i);
        }
        int[] checks = { 0 };
        // After the loop's first batch, the dead dispatcher's leases run out on the database's clock.
        int handled = dispatcher.drain("survivor", () -> {
            if (++checks[0] == 2) {
                try {
                    data.execute("UPDATE outbox_lease SET until = clock_timestamp() - interval '1 second' WHERE owner = 'crashed'");
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
            return true;
        }, java.time.Duration.ZERO);

        assertEquals(queued + 10, handled, "the loop took the returned rows without ending first");
        assertEquals(10L, count("status = 'SENT' AND attempts = 2"), "the dead dispatcher's rows, sent by the survivor");
        assertEquals(queued + 10L, count("status = 'SENT'"));
    }

    @Test
    void a_claim_that_would_wait_for_another_transactions_lease_on_a_row_it_locked_gives_up_and_claims_it_later() throws Exception {
        long id = data.enqueue("raced@example.com", 1, "raced:1").id;
        try (java.sql.Connection other = TestData.owner()) {
            other.setAutoCommit(false);
            // A lease this claim's snapshot cannot see, on a row nobody has locked: the claim locks the row, and its
            // lease then waits for this transaction, which the test holds open (before the limit: for ever).
            try (java.sql.Statement st = other.createStatement()) {
                st.execute("INSERT INTO outbox_lease (outbox_id, owner, until) VALUES (" + id + ", 'other', clock_timestamp() + interval '1 minute')");
            }
            List<OutboxRepository.Claimed> raced = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> repository.claim("me", clock.instant(), config.lease(), 10));
            assertEquals(List.of(), raced, "nothing claimed while the other transaction holds its lease");
            other.rollback();
        }
        List<OutboxRepository.Claimed> later = repository.claim("me", clock.instant(), config.lease(), 10);
        assertEquals(List.of(id), later.stream().map(OutboxRepository.Claimed::id).toList(), "claimed once the other lease is gone");
    }

    @Test
    void rows_claimed_by_a_dispatcher_that_dies_are_delivered_by_another_after_the_lease() throws Exception {
        for (int i = 0; i < 10; i++) {
            data.enqueue("orphan" + i + "@example.com", i, "orphan:" + i);
        }
        Instant now = clock.instant();
        List<OutboxRepository.Claimed> claimed = repository.claim("crashed", now, config.lease(), 100);
        assertEquals(10, claimed.size());
        // "crashed" never sends nor records anything.

        assertEquals(0, dispatcher.drain("survivor"), "leased rows are not taken before the lease ends");
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);

        clock.advance(config.lease().plusSeconds(1));
        assertEquals(0, dispatcher.drain("survivor"), "leases run on the database's clock, not this instance's");
        // The database's clock passes the lease's end.
        data.execute("UPDATE outbox_lease SET until = clock_timestamp() - interval '1 second' WHERE owner = 'crashed'");
        assertEquals(10, dispatcher.drain("survivor"));

        assertEquals(10, SmtpServers.greenMail.getReceivedMessages().length);
        assertEquals(10L, count("status = 'SENT' AND attempts = 2"));
        List<OutboxRepository.Outcome> late = claimed.stream()
                .map(c -> new OutboxRepository.Outcome(c.id(), OutboxStatus.FAILED, "LATE", null, null, null)).toList();
        assertEquals(0, repository.record("crashed", late, clock.instant()), "a dead owner's late results change nothing");
        assertEquals(10L, count("status = 'SENT'"));
    }

    @Test
    void a_relay_that_answers_451_once_gets_the_message_on_the_retry() throws Exception {
        SmtpSubmitter viaFaulty = via(SmtpServers.scripted.port());
        OutboxMessage queued = data.enqueue("greylist-1@example.com", 1, "greylist:1");

        assertEquals(1, dispatcher.dispatchBatch("t", viaFaulty));
        OutboxMessage retrying = data.reload(queued.id);
        assertEquals(OutboxStatus.QUEUED, retrying.status, "a 4xx is transient");
        assertEquals("RETRY", retrying.statusReason);
        assertTrue(retrying.nextAttemptAt.isAfter(clock.instant()), "the retry waits for its backoff");
        assertEquals(0, dispatcher.dispatchBatch("t", viaFaulty), "not due before the backoff");

        clock.advance(config.retryMax().multipliedBy(2));
        assertEquals(1, dispatcher.dispatchBatch("t", viaFaulty));

        OutboxMessage sent = data.reload(queued.id);
        assertEquals(OutboxStatus.SENT, sent.status);
        assertEquals(2, sent.attempts, "sent on the retry");
        assertNotNull(sent.sentAt);
        assertTrue(SmtpServers.scripted.replies.stream().anyMatch(r -> r.startsWith("451 4.7.1 <greylist-1@example.com>")),
                "the relay said 451 first: " + SmtpServers.scripted.replies);
        assertEquals(List.of("greylist-1@example.com"), SmtpServers.scripted.accepted, "delivered once");
    }

    @Test
    void a_relay_that_answers_550_fails_the_message_after_one_attempt_with_the_reply_recorded() throws Exception {
        SmtpSubmitter viaFaulty = via(SmtpServers.scripted.port());
        OutboxMessage queued = data.enqueue("reject-1@example.com", 1, "reject:1");

        assertEquals(1, dispatcher.dispatchBatch("t", viaFaulty));

        OutboxMessage failed = data.reload(queued.id);
        assertEquals(OutboxStatus.FAILED, failed.status);
        assertEquals("REJECTED", failed.statusReason);
        assertEquals(1, failed.attempts);
        assertTrue(failed.lastReply.startsWith("550"), failed.lastReply);
        assertTrue(failed.lastReply.contains("mailbox unavailable"), failed.lastReply);
        clock.advance(Duration.ofDays(1));
        assertEquals(0, dispatcher.dispatchBatch("t", viaFaulty), "a permanent failure is not retried");
        assertTrue(SmtpServers.scripted.accepted.isEmpty());

        // 5.1.1 says the mailbox does not exist: the address is suppressed as a hard bounce, for every purpose.
        assertEquals("HARD_BOUNCE", data.text("SELECT s.reason FROM suppression s JOIN contact c ON c.email_hash = s.email_hash "
                + "WHERE c.email = 'reject-1@example.com'"));
        assertTrue(data.text("SELECT detail FROM suppression").startsWith("relay: 550 5.1.1"));
        OutboxMessage again = data.enqueue("reject-1@example.com", 1, "reject:2");
        assertEquals(OutboxStatus.SKIPPED, again.status);
        assertEquals("SUPPRESSED_HARD_BOUNCE", again.statusReason);
    }

    @Test
    void a_relay_that_refuses_the_sender_fails_the_message_and_suppresses_nobody() throws Exception {
        SmtpSubmitter viaFaulty = via(SmtpServers.scripted.port());
        OutboxMessage queued = data.enqueue("blocked-1@example.com", 1, "blocked:1");
        OutboxMessage fine = data.enqueue("fine-1@example.com", 1, "fine:1");

        assertEquals(2, dispatcher.dispatchBatch("t", viaFaulty));

        OutboxMessage failed = data.reload(queued.id);
        assertEquals(OutboxStatus.FAILED, failed.status);
        assertTrue(failed.lastReply.startsWith("550 5.7.1"), failed.lastReply);
        assertEquals(OutboxStatus.SENT, data.reload(fine.id).status);
        assertEquals(0, data.count("SELECT count(*) FROM suppression"), "a refusal of the sender says nothing about the address");
    }

    @Test
    void a_relay_that_stays_unreachable_fails_the_message_after_the_configured_attempts() throws Exception {
        SmtpSubmitter viaDown = via(SmtpServers.closedPort());
        OutboxMessage queued = data.enqueue("patient@example.com", 1, "down:1");

        for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
            assertEquals(1, dispatcher.dispatchBatch("t", viaDown), "attempt " + attempt);
            clock.advance(config.retryMax().multipliedBy(2));
        }

        OutboxMessage failed = data.reload(queued.id);
        assertEquals(OutboxStatus.FAILED, failed.status);
        assertEquals("RETRIES_EXHAUSTED", failed.statusReason);
        assertEquals(config.maxAttempts(), failed.attempts);
        assertEquals(0, dispatcher.dispatchBatch("t", viaDown));
    }

    @Test
    void a_message_that_cannot_be_composed_fails_alone_and_the_rest_of_its_batch_is_sent() throws Exception {
        OutboxMessage broken = data.enqueue("broken@example.com", 1, "broken:1");
        OutboxMessage fine = data.enqueue("fine@example.com", 2, "fine:1");
        data.execute("UPDATE outbox SET content_ref = 'no-such-renderer:1' WHERE id = " + broken.id);

        assertEquals(2, dispatcher.dispatchBatch("t"));

        OutboxMessage failed = data.reload(broken.id);
        assertEquals(OutboxStatus.FAILED, failed.status);
        assertEquals("COMPOSE_FAILED", failed.statusReason);
        assertEquals(OutboxStatus.SENT, data.reload(fine.id).status);
        List<String> recipients = new ArrayList<>();
        for (MimeMessage m : SmtpServers.receivedBy("@example.com")) {
            recipients.add(m.getHeader("To", null));
        }
        assertEquals(List.of("fine@example.com"), recipients);
    }

    @Test
    void a_message_whose_contact_was_deleted_by_hand_is_skipped_not_left_at_the_head_of_the_queue() throws Exception {
        // No foreign key holds an outbox row's contact (DECISIONS 23): the application cannot delete
        // contacts, but an operator with the owner's rights can.
        OutboxMessage orphan = data.enqueue("deleted@example.com", 1, "deleted:1");
        OutboxMessage fine = data.enqueue("kept@example.com", 2, "kept:1");
        data.executeAsOwner("DELETE FROM contact WHERE id = " + orphan.contactId);
        SQLException refused = assertThrows(SQLException.class, () -> data.execute("DELETE FROM contact WHERE id = " + fine.contactId));
        assertEquals("42501", refused.getSQLState(), "the application's role may not delete contacts");

        assertEquals(2, dispatcher.dispatchBatch("t"));

        OutboxMessage skipped = data.reload(orphan.id);
        assertEquals(OutboxStatus.SKIPPED, skipped.status);
        assertEquals("CONTACT_MISSING", skipped.statusReason);
        assertEquals(OutboxStatus.SENT, data.reload(fine.id).status);
        assertEquals(0, data.count("SELECT count(*) FROM outbox WHERE status = 'QUEUED'"));
        assertEquals(0, data.count("SELECT count(*) FROM outbox_lease"));
    }

    @Test
    void the_gate_refuses_a_basis_it_cannot_judge_unknown_not_for_the_purpose_or_missing_whoever_the_contact() {
        long contact = data.contact("judged@example.com").id;
        var decisions = gate.decide(List.of(
                new ConsentGate.Candidate(1, Purpose.TRANSACTIONAL, "NO_SUCH_BASIS", 1L, contact),
                new ConsentGate.Candidate(2, Purpose.NEWSLETTER, OperatorBasis.TYPE, 1L, contact),
                new ConsentGate.Candidate(3, Purpose.TRANSACTIONAL, OperatorBasis.TYPE, null, contact),
                new ConsentGate.Candidate(4, Purpose.TRANSACTIONAL, OperatorBasis.TYPE, 1L, contact)));
        assertEquals(ConsentGate.Decision.skip("UNKNOWN_BASIS"), decisions.get(1L));
        assertEquals(ConsentGate.Decision.skip("BASIS_NOT_FOR_PURPOSE"), decisions.get(2L));
        assertEquals(ConsentGate.Decision.skip("BASIS_MISSING"), decisions.get(3L));
        assertEquals(ConsentGate.Decision.SEND, decisions.get(4L));
    }

    @Test
    void claims_and_results_find_their_rows_by_key_whatever_the_statistics_say_and_a_leased_row_is_claimed_by_no_one_else() throws Exception {
        // A queue of 5,000, its statistics taken while nothing was being sent (as after a fan-out), then a batch in flight.
        contacts("q", 5000);
        data.executeAsOwner("""
                INSERT INTO outbox (idempotency_key, purpose, basis_type, basis_id, contact_id, subject, body_text, body_html,
                                    status, next_attempt_at, created_at, updated_at)
                SELECT 'q:' || c.id, 'TRANSACTIONAL', 'OPERATOR', 1, c.id, 'Subject', 'Text', '<p>Html</p>', 'QUEUED', now(), now(), now()
                FROM contact c WHERE c.email LIKE 'q%@example.com'""");
        data.executeAsOwner("ANALYZE outbox; ANALYZE contact");
        List<OutboxRepository.Claimed> claimed = repository.claim("in-flight", clock.instant(), config.lease(), 300);
        assertEquals(300, claimed.size());
        // A row being sent keeps its status and row version: its lease is a row of its own.
        assertEquals(300L, data.count("SELECT count(*) FROM outbox o JOIN outbox_lease l ON l.outbox_id = o.id WHERE o.status = 'QUEUED'"
                + " AND o.attempts = 0 AND l.owner = 'in-flight'"));
        assertTrue(claimed.stream().allMatch(c -> c.attempts() == 1), "the claim reports the attempt it starts");
        List<OutboxRepository.Claimed> next = repository.claim("next", clock.instant(), config.lease(), 300);
        assertEquals(300, next.size());
        java.util.Set<Long> first = new HashSet<>(claimed.stream().map(OutboxRepository.Claimed::id).toList());
        assertTrue(next.stream().noneMatch(c -> first.contains(c.id())), "the next claim skips the leased rows");

        try (java.sql.Connection c = TestData.owner(); java.sql.Statement s = c.createStatement()) {
            // The plan a server-prepared statement settles on: the limit unknown, guessed from the queue's size.
            s.execute("SET plan_cache_mode = force_generic_plan");
            s.execute("SET enable_seqscan = off"); // as OutboxRepository.BY_KEY does for both statements
            s.execute("PREPARE claim_plan(timestamptz, int, timestamptz, int, int, text, bigint) AS " + numbered(OutboxRepository.CLAIM));
            String claim = plan(s, "EXPLAIN EXECUTE claim_plan(now(), 200, now(), 200, 200, 'x', 60000)");
            assertTrue(claim.contains("Index Scan using outbox_pkey on outbox o") && claim.contains("Index Scan using contact_pkey")
                    && claim.contains("Index Only Scan using outbox_lease_pkey") && claim.contains("Index Scan using outbox_due_prompt")
                    && claim.contains("Index Scan using outbox_due on"), claim);
            assertTrue(!claim.contains("Merge") && !claim.contains("Hash") && !claim.contains("Seq Scan"),
                    "each row, lease and contact by its key, not all of them joined:\n" + claim);
            assertEquals(1, claim.split("Index Scan using contact_pkey", -1).length - 1, "one look-up of the contact a row:\n" + claim);

            s.execute("PREPARE record_plan(bigint[], text[], text[], text[], text[], text[], int[], text, timestamptz) AS "
                    + numbered(OutboxRepository.RECORD_ENDED + "\n" + OutboxRepository.RECORD_UPDATE));
            String record = plan(s, "EXPLAIN EXECUTE record_plan('{" + claimed.get(0).id() + "," + claimed.get(1).id()
                    + "}', '{SENT,SENT}', '{NULL,NULL}', '{250 ok,250 ok}', '{NULL,NULL}', '{NULL,NULL}', '{0,0}', 'in-flight', now())");
            assertTrue(record.contains("Index Scan using outbox_pkey") && record.contains("using outbox_lease_pkey"), record);
            assertTrue(!record.contains("Seq Scan"), "each result's row and lease by its key, not every row in flight:\n" + record);

            s.execute("PREPARE on_lease_plan(bigint[], text[], text[], text[], text[], text[], int[], timestamptz, text) AS "
                    + numbered(OutboxRepository.RECORD_ON_LEASE));
            String onLease = plan(s, "EXPLAIN EXECUTE on_lease_plan('{" + claimed.get(0).id() + "," + claimed.get(1).id()
                    + "}', '{SENT,SENT}', '{NULL,NULL}', '{250 ok,250 ok}', '{NULL,NULL}', '{NULL,NULL}', '{0,0}', now(), 'in-flight')");
            assertTrue(onLease.contains("using outbox_lease_pkey") && !onLease.contains("Seq Scan") && !onLease.contains("outbox_pkey"),
                    "each result onto its lease by its key, and no outbox row touched:\n" + onLease);
            s.execute("PREPARE move_plan(bigint[]) AS " + numbered(OutboxRepository.MOVE_BATCH));
            String move = plan(s, "EXPLAIN EXECUTE move_plan('{" + claimed.get(0).id() + "," + claimed.get(1).id() + "}')");
            assertTrue(move.contains("Index Scan using outbox_pkey") && move.contains("outbox_lease_pkey") && !move.contains("Seq Scan"),
                    "a batch's results moved each by its key:\n" + move);
            assertFalse(move.contains("LockRows"), "each lease deleted without a row lock of its own first:\n" + move);
        }
        assertEquals(2, repository.record("in-flight", List.of(
                new OutboxRepository.Outcome(claimed.get(0).id(), OutboxStatus.SENT, null, "250 ok", null, clock.instant()),
                new OutboxRepository.Outcome(claimed.get(1).id(), OutboxStatus.SENT, null, "250 ok", null, clock.instant())), clock.instant()));
        assertEquals(298L, data.count("SELECT count(*) FROM outbox_lease WHERE owner = 'in-flight'"));
        assertEquals(2L, count("status = 'SENT' AND attempts = 1"), "the attempt counted with its result");

        // At run time recording keeps that plan: PostgreSQL plans a prepared statement for each execution's values
        // until it decides otherwise, and for a small batch it never did. Ten batches of one on one connection, on
        // its own (no transaction around it), as the dispatcher records.
        try (java.sql.Connection c = TestData.owner()) {
            int recorded = 0;
            for (int i = 2; i < 12; i++) {
                recorded += OutboxRepository.record(c, "in-flight", List.of(new OutboxRepository.Outcome(claimed.get(i).id(),
                        OutboxStatus.SENT, null, "250 ok", null, clock.instant())), clock.instant());
            }
            assertEquals(10, recorded);
            try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("""
                    SELECT generic_plans, custom_plans, current_setting('plan_cache_mode'), current_setting('enable_seqscan'),
                        EXISTS (SELECT 1 FROM pg_prepared_statements WHERE statement LIKE '%set_config(''enable_seqscan'', ''off'', true)%')
                    FROM pg_prepared_statements WHERE statement LIKE '%UPDATE outbox o%'""")) {
                assertTrue(rs.next(), "the driver keeps the recording statement prepared after five uses");
                assertEquals(0, rs.getLong(2), "no execution planned for its values");
                assertTrue(rs.getLong(1) > 0, "executions on the generic plan");
                assertEquals("auto", rs.getString(3), "the setting held for the recording statement alone");
                assertTrue(rs.getBoolean(5), "sent in front of it: every table by its key, as EXPLAIN above");
                assertEquals("on", rs.getString(4), "that setting too held for the recording statement alone");
            }
        }
        assertEquals(288L, data.count("SELECT count(*) FROM outbox_lease WHERE owner = 'in-flight'"));
    }

    @Test
    void a_claim_walks_the_due_index_in_order_when_the_statistics_predate_the_queue() throws Exception {
        // Statistics taken while the outbox was empty (a new deployment), then a large queue (its first issue's fan-out)
        // before the next ANALYZE.
        assertEquals(0L, data.count("SELECT count(*) FROM outbox"));
        data.executeAsOwner("ANALYZE outbox");
        contacts("f", 2000);
        data.executeAsOwner("""
                INSERT INTO outbox (idempotency_key, purpose, basis_type, basis_id, contact_id, subject, body_text, body_html,
                                    status, next_attempt_at, created_at, updated_at)
                SELECT 'due:' || i, 'TRANSACTIONAL', 'OPERATOR', 1, (SELECT min(id) FROM contact) + i % 2000, 'Subject', 'Text', '<p>Html</p>',
                    'QUEUED', now() - (i % 997) * interval '1 millisecond', now(), now()
                FROM generate_series(1, 30000) i""");
        List<Long> oldest = new ArrayList<>();
        try (java.sql.Connection c = TestData.owner(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery("SELECT id FROM outbox WHERE status = 'QUEUED' ORDER BY next_attempt_at, id LIMIT 200")) {
            while (rs.next()) {
                oldest.add(rs.getLong(1));
            }
        }

        try (java.sql.Connection c = TestData.owner(); java.sql.Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("SET LOCAL jit_above_cost = 0"); // any plan would be compiled ...
            s.execute(OutboxRepository.CLAIM_SETTINGS); // ... but the claim's, in its transaction, as the claim sends it
            s.execute("PREPARE stale_claim(timestamptz, int, timestamptz, int, int, text, bigint) AS " + numbered(OutboxRepository.CLAIM));
            String claim = plan(s, "EXPLAIN EXECUTE stale_claim(now(), 200, now(), 200, 200, 'x', 60000)");
            c.rollback();
            assertTrue(claim.contains("Index Scan using outbox_due_prompt") && claim.contains("Index Scan using outbox_due on"), claim);
            assertTrue(!claim.contains("JIT"), "compiled for 0.7 s a claim with a million queued:\n" + claim);
            // Before: a bitmap of every queued row, all of them sorted for each batch (0.3-1.2 s with a million queued).
            assertTrue(!claim.contains("Sort") && !claim.contains("Bitmap"), "the due rows in the index's order, the batch's first:\n" + claim);
        }
        List<OutboxRepository.Claimed> claimed = repository.claim("t", clock.instant(), config.lease(), 200);
        assertEquals(new HashSet<>(oldest), new HashSet<>(claimed.stream().map(OutboxRepository.Claimed::id).toList()), "the oldest due rows");
    }

    @Test
    void mail_outside_an_issue_is_claimed_before_an_issue_queued_earlier_and_no_issue_row_while_bulk_is_held() throws Exception {
        // An issue of 50 queued a minute ago, still draining, then a confirmation and a transactional message.
        contacts("n", 50);
        data.executeAsOwner("""
                INSERT INTO outbox (purpose, basis_type, basis_id, contact_id, content_ref, status, next_attempt_at, created_at, updated_at)
                SELECT 'NEWSLETTER', 'SUBSCRIPTION', c.id, c.id, 'issue:900', 'QUEUED', '%s'::timestamptz, now(), now()
                FROM contact c WHERE c.email LIKE 'n%%@example.com' ORDER BY c.id LIMIT 50""".formatted(clock.instant().minusSeconds(60)));
        OutboxMessage confirmation = data.enqueue("lane-a@example.com", 1, "lane:confirmation");
        OutboxMessage transactional = data.enqueue("lane-b@example.com", 2, "lane:transactional");
        data.executeAsOwner("UPDATE outbox SET purpose = 'CONFIRMATION' WHERE id = " + confirmation.id);

        List<OutboxRepository.Claimed> first = repository.claim("t", clock.instant(), config.lease(), 10);
        assertEquals(10, first.size());
        List<Long> ids = first.stream().map(OutboxRepository.Claimed::id).toList();
        assertTrue(ids.contains(confirmation.id) && ids.contains(transactional.id), "the two ahead of the issue: " + ids);
        assertEquals(8L, first.stream().filter(c -> c.purpose() == Purpose.NEWSLETTER).count(), "the batch filled from the issue");
        assertEquals(first.stream().filter(c -> c.purpose() == Purpose.NEWSLETTER).map(OutboxRepository.Claimed::id).toList(),
                ids("SELECT id FROM outbox WHERE purpose = 'NEWSLETTER' ORDER BY next_attempt_at, id LIMIT 8"),
                "the issue's oldest rows");

        // A fan-out running here holds the issue's rows back; a confirmation still goes, through the dispatcher's own claim.
        OutboxMessage later = data.enqueue("lane-b@example.com", 3, "lane:later");
        try (BulkHold.Hold held = bulkHold.hold()) {
            assertTrue(!bulkHold.bulkAllowed());
            assertEquals(1, dispatcher.dispatchBatch("held"), "only the message outside the issue, of 43 due");
            assertEquals(OutboxStatus.SENT, data.reload(later.id).status);
            assertEquals(0, dispatcher.dispatchBatch("held"), "nothing else is claimed while held");
            held.close();
            held.close(); // closed twice, released once
        }
        assertTrue(bulkHold.bulkAllowed());
        assertEquals(10, repository.claim("t", clock.instant(), config.lease(), 10).size(), "the issue's rows once the fan-out ended");
        assertEquals(32L, data.count("SELECT count(*) FROM outbox o WHERE status = 'QUEUED' AND NOT EXISTS ("
                + OutboxRepository.LEASE_OF_O + ")"));
    }

    @Test
    void a_row_held_after_its_claim_takes_a_final_result_but_a_retry_leaves_it_held() throws Exception {
        OutboxMessage sent = data.enqueue("held-a@example.com", 1, "held:a");
        OutboxMessage retried = data.enqueue("held-b@example.com", 2, "held:b");
        assertEquals(2, repository.claim("t", clock.instant(), config.lease(), 10).size());
        // A pause whose statement began before the claims committed holds rows that are in flight (IssueBreaker.pause).
        data.execute("UPDATE outbox SET status = 'PAUSED' WHERE id IN (" + sent.id + ", " + retried.id + ")");

        assertEquals(2, repository.record("t", List.of(
                new OutboxRepository.Outcome(sent.id, OutboxStatus.SENT, null, "250 ok", null, clock.instant()),
                new OutboxRepository.Outcome(retried.id, OutboxStatus.QUEUED, "RETRY", "451 later", clock.instant().plusSeconds(60), null)),
                clock.instant()));

        assertEquals(OutboxStatus.SENT, data.reload(sent.id).status, "it was sent: that is what the row says");
        OutboxMessage held = data.reload(retried.id);
        assertEquals(OutboxStatus.PAUSED, held.status, "a retry does not end the hold");
        assertEquals(1, held.attempts);
        assertEquals("451 later", held.lastReply);
        assertEquals(0, data.count("SELECT count(*) FROM outbox_lease"));
    }

    @Test
    void erasure_skips_what_waits_and_leaves_a_message_in_flight_to_its_result() throws Exception {
        OutboxMessage inFlight = data.enqueue("erased-later@example.com", 1, "erase:1");
        clock.advance(Duration.ofSeconds(1));
        OutboxMessage waiting = data.enqueue("erased-later@example.com", 2, "erase:2");
        List<OutboxRepository.Claimed> claimed = repository.claim("t", clock.instant(), config.lease(), 1);
        assertEquals(List.of(inFlight.id), claimed.stream().map(OutboxRepository.Claimed::id).toList());

        erasure.erase("erased-later@example.com");

        OutboxMessage skipped = data.reload(waiting.id);
        assertEquals(OutboxStatus.SKIPPED, skipped.status);
        assertEquals("ERASED", skipped.statusReason);
        assertEquals(null, skipped.bodyText);
        OutboxMessage leased = data.reload(inFlight.id);
        assertEquals(OutboxStatus.QUEUED, leased.status, "left to its result");
        assertEquals("Text of erase:1\n", leased.bodyText);
        assertEquals(1, repository.record("t", List.of(new OutboxRepository.Outcome(inFlight.id, OutboxStatus.SENT, null, "250 ok", null,
                clock.instant())), clock.instant()));
        assertEquals(OutboxStatus.SENT, data.reload(inFlight.id).status);
    }

    /** {@code count} contacts, {@code <prefix><n>@example.com}, in one statement. */
    private void contacts(String prefix, int count) throws SQLException {
        data.executeAsOwner("INSERT INTO contact (email, email_normalized, email_hash, created_at) SELECT '" + prefix
                + "' || i || '@example.com', '" + prefix + "' || i || '@example.com', md5('" + prefix + "' || i), now()"
                + " FROM generate_series(1, " + count + ") i");
    }

    private List<Long> ids(String query) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (java.sql.Connection c = dataSource.getConnection(); java.sql.Statement s = c.createStatement();
                java.sql.ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** The statement with PostgreSQL's numbered parameters in place of JDBC's question marks. */
    /** Runs {@code body} while every {@code event} on {@code table} fails, as if the database went away for it. */
    private int failingUpdates(String table, String event, java.util.function.IntSupplier body) throws Exception {
        data.executeAsOwner("""
                CREATE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'injected: the database went away';
                END $$""");
        data.executeAsOwner("CREATE TRIGGER injected_failure BEFORE " + event + " ON " + table + " FOR EACH ROW EXECUTE FUNCTION injected_failure()");
        try {
            return body.getAsInt();
        } finally {
            data.executeAsOwner("DROP TRIGGER injected_failure ON " + table);
            data.executeAsOwner("DROP FUNCTION injected_failure()");
        }
    }

    private static String numbered(String sql) {
        StringBuilder out = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            out.append(ch == '?' ? "$" + (++n) : String.valueOf(ch));
        }
        return out.toString();
    }

    private static String plan(java.sql.Statement s, String explain) throws SQLException {
        StringBuilder out = new StringBuilder();
        try (java.sql.ResultSet rs = s.executeQuery(explain)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }

    @Test
    void a_relay_slow_to_answer_the_end_of_data_delivers_once_and_records_sent() throws Exception {
        // Replies to commands must come within 1 s, the reply after the content within 10 s; the relay takes 2 s.
        SmtpSubmitter viaSlow = viaScripted(Duration.ofSeconds(10));
        OutboxMessage queued = data.enqueue("slow-1@example.com", 1, "slow:1");

        assertEquals(1, dispatcher.dispatchBatch("t", viaSlow));

        OutboxMessage sent = data.reload(queued.id);
        assertEquals(OutboxStatus.SENT, sent.status, "reason " + sent.statusReason + ", reply " + sent.lastReply);
        assertEquals(1, sent.attempts);
        clock.advance(Duration.ofDays(1));
        assertEquals(0, dispatcher.dispatchBatch("t", viaSlow));
        assertEquals(List.of("slow-1@example.com"), SmtpServers.scripted.accepted, "delivered once");
    }

    @Test
    void a_relay_silent_after_the_content_past_the_final_reply_timeout_is_a_transient_failure() throws Exception {
        SmtpServers.scripted.slowMillis = 3000;
        SmtpSubmitter viaSlow = viaScripted(Duration.ofSeconds(1));
        OutboxMessage queued = data.enqueue("slow-2@example.com", 1, "slow:2");

        assertEquals(1, dispatcher.dispatchBatch("t", viaSlow));

        OutboxMessage retrying = data.reload(queued.id);
        assertEquals(OutboxStatus.QUEUED, retrying.status);
        assertEquals("RETRY", retrying.statusReason);
        assertTrue(retrying.lastReply.startsWith("timed out"), retrying.lastReply);
    }

    @Test
    void a_failure_of_the_recording_statement_does_not_send_the_batch_again() throws Exception {
        for (int i = 0; i < 50; i++) {
            data.enqueue("recorded" + i + "@example.com", i, "recorded:" + i);
        }
        // The first two attempts to record a result on its lease fail, as during a database restart.
        data.executeAsOwner("CREATE SEQUENCE record_failures");
        data.executeAsOwner("""
                CREATE FUNCTION fail_recording() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.result = 'SENT' AND nextval('record_failures') <= 2 THEN
                        RAISE EXCEPTION 'injected: the database went away';
                    END IF;
                    RETURN NEW;
                END $$""");
        data.executeAsOwner("CREATE TRIGGER fail_recording BEFORE UPDATE ON outbox_lease FOR EACH ROW EXECUTE FUNCTION fail_recording()");
        try {
            assertEquals(50, dispatcher.drain("t"));
        } finally {
            data.executeAsOwner("DROP TRIGGER fail_recording ON outbox_lease");
            data.executeAsOwner("DROP FUNCTION fail_recording()");
            data.executeAsOwner("DROP SEQUENCE record_failures");
        }
        assertEquals(50L, count("status = 'SENT'"), "every result recorded once the database is back");
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"), "and moved off its lease");
        // Whatever a lease could still return to the queue is sent by nobody.
        data.execute("UPDATE outbox_lease SET until = clock_timestamp() - interval '1 second'");
        clock.advance(Duration.ofDays(1));
        assertEquals(0, dispatcher.drain("another"));
        assertEquals(50, SmtpServers.greenMail.getReceivedMessages().length, "each message delivered once");
    }

    @Test
    void a_result_is_written_onto_its_lease_without_a_new_index_entry_and_moved_once() throws Exception {
        OutboxMessage queued = data.enqueue("hot@example.com", 1, "hot:1");
        assertEquals(1, repository.claim("hot", clock.instant(), config.lease(), 10).size());
        try (java.sql.Connection c = TestData.owner()) {
            c.setAutoCommit(false);
            assertEquals(1, OutboxRepository.recordOnLease(c, "hot", List.of(new OutboxRepository.Outcome(queued.id, OutboxStatus.SENT,
                    null, "250 ok", null, clock.instant())), clock.instant()));
            try (java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery("""
                    SELECT pg_stat_get_xact_tuples_updated('outbox_lease'::regclass), pg_stat_get_xact_tuples_hot_updated('outbox_lease'::regclass),
                        pg_stat_get_xact_tuples_updated('outbox'::regclass)""")) {
                rs.next();
                assertEquals(1, rs.getLong(1), "the lease took the result");
                assertEquals(1, rs.getLong(2), "in place on its page (HOT): no index entry");
                assertEquals(0, rs.getLong(3), "the outbox row is not rewritten for it");
            }
            c.commit();
        }
        assertEquals(0, repository.recordOnLease("hot", List.of(new OutboxRepository.Outcome(queued.id, OutboxStatus.FAILED, "LATE", null,
                null, null)), clock.instant()), "a lease takes one result");
        assertEquals(1L, count("status = 'QUEUED'"), "not moved yet");
        assertEquals(0, repository.claim("other", clock.instant(), config.lease(), 10).size(), "a result on its lease keeps its row from a claim");
        data.execute("UPDATE outbox_lease SET until = clock_timestamp() - interval '1 second'");
        assertEquals(0, repository.requeueExpiredLeases(clock.instant()), "nor does its lease run out: it is not in flight");

        assertEquals(1, repository.moveResults(List.of(queued.id)));
        assertEquals(0, repository.moveResults(List.of(queued.id)), "moved once");
        assertEquals(1L, count("status = 'SENT' AND attempts = 1 AND last_reply = '250 ok' AND sent_at IS NOT NULL"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"));
    }

    @Test
    void a_batch_moves_its_own_results_once_when_another_statement_holds_their_leases_for_a_moment() throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(data.enqueue("held" + i + "@example.com", i, "held:" + i).id);
        }
        assertEquals(4, repository.claim("held", clock.instant(), config.lease(), 10).size());
        List<OutboxRepository.Outcome> sent = ids.stream()
                .map(id -> new OutboxRepository.Outcome(id, OutboxStatus.SENT, null, "250 ok", null, clock.instant())).toList();
        assertEquals(4, repository.recordOnLease("held", sent, clock.instant()));
        ExecutorService mover = Executors.newSingleThreadExecutor();
        try (java.sql.Connection other = TestData.owner(); java.sql.Statement s = other.createStatement()) {
            other.setAutoCommit(false);
            // Another statement locks one lease and lets it go: the batch's move waits for it and moves it itself,
            // instead of leaving it for the next look for leftovers.
            s.execute("SELECT 1 FROM outbox_lease WHERE outbox_id = " + ids.get(1) + " FOR UPDATE");
            Future<Integer> first = mover.submit(() -> repository.moveResults(ids.subList(0, 2)));
            awaitLockWait();
            assertFalse(first.isDone(), "waiting for the lease, not skipping it");
            other.rollback();
            assertEquals(2, first.get(10, TimeUnit.SECONDS), "both results moved by the batch's own statement");

            // The look for leftovers moves the other two first: the batch's move waits, then finds them gone.
            s.execute(OutboxRepository.MOVE_ALL);
            Future<Integer> second = mover.submit(() -> repository.moveResults(ids.subList(2, 4)));
            awaitLockWait();
            assertFalse(second.isDone());
            other.commit();
            assertEquals(0, second.get(10, TimeUnit.SECONDS), "moved once, by the statement that held them");
        } finally {
            mover.shutdownNow();
        }
        assertEquals(4L, count("status = 'SENT' AND attempts = 1 AND last_reply = '250 ok'"), "each result applied once");
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"));
    }

    /** Until a statement waits for a lock another transaction holds. */
    private void awaitLockWait() throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (data.count("SELECT count(*) FROM pg_locks WHERE NOT granted") == 0) {
            assertTrue(System.nanoTime() < until, "no statement came to wait for the lock");
            Thread.sleep(10);
        }
    }

    @Test
    void a_batch_no_larger_than_the_connections_records_its_results_in_the_outbox_at_once() throws Exception {
        for (int i = 0; i < 3; i++) {
            data.enqueue("trickle" + i + "@example.com", i, "trickle:" + i);
        }
        // Any result written onto a lease would fail: a trickle's results go straight into the outbox, one statement.
        assertEquals(3, failingUpdates("outbox_lease", "UPDATE OF result", () -> dispatcher.dispatchBatch("t")));
        assertEquals(3L, count("status = 'SENT' AND attempts = 1"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"));
    }

    @Test
    void results_left_on_their_leases_are_moved_by_the_next_look_and_never_sent_again() throws Exception {
        for (int i = 0; i < 30; i++) {
            data.enqueue("moved" + i + "@example.com", i, "moved:" + i);
        }
        // Moving the batch's results into the outbox fails (the database went away after they were recorded).
        assertEquals(30, failingUpdates("outbox", "UPDATE", () -> dispatcher.dispatchBatch("t")));
        assertEquals(30L, count("status = 'QUEUED'"), "the outbox rows have not taken their results");
        assertEquals(30L, data.count("SELECT count(*) FROM outbox_lease WHERE result = 'SENT' AND owner = 't'"), "their leases hold them");
        // Their leases run out: they are results, not messages in flight, so nothing goes back to the queue.
        data.execute("UPDATE outbox_lease SET until = clock_timestamp() - interval '1 second'");
        clock.advance(Duration.ofDays(1));

        assertEquals(0, dispatcher.drain("another"), "nothing to send again");
        assertEquals(30L, count("status = 'SENT' AND attempts = 1 AND sent_at IS NOT NULL"), "each result moved by the next look");
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"));
        assertEquals(30, SmtpServers.greenMail.getReceivedMessages().length, "each message delivered once");
    }

    @Test
    void a_message_the_relay_holds_back_does_not_keep_the_rest_of_its_batch_from_showing_as_sent() throws Exception {
        // Two connections, six messages: the relay holds the reply to the first for 8 s, and the others go on meanwhile.
        SmtpServers.scripted.slowMillis = 8000;
        SmtpSubmitter viaSlow = viaScripted(Duration.ofSeconds(15));
        OutboxMessage held = data.enqueue("slow-held@example.com", 0, "held:0");
        for (int i = 1; i <= 5; i++) {
            data.enqueue("quick" + i + "@example.com", i, "held:" + i);
        }
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> batch = one.submit(() -> dispatcher.dispatchBatch("t", viaSlow));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (count("status = 'SENT'") < 3 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            // The connection holding the slow message may have taken the next one's envelope behind it: at least
            // three of the other five went through the second connection, and their results are in the outbox.
            assertFalse(batch.isDone(), "the slow message is still out");
            assertTrue(count("status = 'SENT'") >= 3, "the others' results were moved while it waits: " + count("status = 'SENT'"));
            assertEquals(OutboxStatus.QUEUED, data.reload(held.id).status);
            assertEquals(1L, data.count("SELECT count(*) FROM outbox_lease WHERE outbox_id = " + held.id + " AND result IS NULL"),
                    "the slow message keeps its lease, in flight");

            assertEquals(6, batch.get(30, TimeUnit.SECONDS));
        } finally {
            one.shutdownNow();
        }
        assertEquals(6L, count("status = 'SENT' AND attempts = 1 AND sent_at IS NOT NULL"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"));
        clock.advance(Duration.ofDays(1));
        assertEquals(0, dispatcher.dispatchBatch("t", viaSlow), "nothing left to send");
        assertEquals(6, SmtpServers.scripted.accepted.size(), "each delivered once: " + SmtpServers.scripted.accepted);
    }

    @Test
    void stopping_mid_send_records_what_was_in_flight_and_returns_the_rest_to_the_queue_unsent() throws Exception {
        SmtpSubmitter viaSlow = via(SmtpRelay.Settings.plain("127.0.0.1", SmtpServers.scripted.port(),
                SmtpConfig.Tls.DISABLED, 2, Duration.ofSeconds(5)));
        SmtpServers.scripted.slowMillis = 500;
        for (int i = 0; i < 20; i++) {
            data.enqueue("slow-stop" + i + "@example.com", i, "stop:" + i);
        }
        Dispatcher stopped = another(readiness);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<Integer> run = pool.submit(() -> stopped.dispatchBatch("stopping", viaSlow));
        Thread.sleep(1200);
        stopped.stop();
        assertEquals(20, run.get());
        pool.shutdown();

        long sent = count("status = 'SENT'");
        assertTrue(sent >= 2 && sent < 20, "some were sent before the stop: " + sent);
        assertEquals(0L, data.count("SELECT count(*) FROM outbox_lease"), "nothing left leased");
        assertEquals(20 - sent, count("status = 'QUEUED' AND status_reason = 'RELEASED' AND attempts = 0"),
                "the rest is back in the queue, with its attempt given back");
        assertEquals(sent, SmtpServers.scripted.accepted.size(), "what the relay accepted is what is recorded SENT");

        assertEquals(20 - sent, dispatcher.drain("after-restart"));
        assertEquals(20L, count("status = 'SENT'"));
        assertEquals(20, SmtpServers.greenMail.getReceivedMessages().length + SmtpServers.scripted.accepted.size(),
                "nobody got a message twice, nobody none");
        Set<String> everyone = new HashSet<>(SmtpServers.scripted.accepted);
        for (MimeMessage m : SmtpServers.greenMail.getReceivedMessages()) {
            assertTrue(everyone.add(m.getHeader("To", null)), "twice: " + m.getHeader("To", null));
        }
    }

    @Test
    void a_replica_that_cannot_compose_claims_nothing_and_fails_nothing() throws Exception {
        OutboxMessage queued = data.enqueue("waiting@example.com", 1, "waiting:1");
        ComposePrerequisite noLayouts = () -> java.util.Optional.of("the layouts folder /nowhere does not exist");
        Dispatcher misconfigured = another(new ComposeReadiness(List.of(noLayouts)));

        assertEquals(0, misconfigured.drain("misconfigured"));

        OutboxMessage untouched = data.reload(queued.id);
        assertEquals(OutboxStatus.QUEUED, untouched.status);
        assertEquals(0, untouched.attempts);
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
        assertEquals(1, dispatcher.drain("healthy"), "a healthy instance sends it");
    }

    @Test
    void a_layout_missing_on_this_instance_puts_the_row_back_for_another_instance() throws Exception {
        OutboxMessage broken = data.enqueue("layout-gone@example.com", 1, "layout-gone:1");
        data.execute("UPDATE outbox SET content_ref = 'not-ready:1' WHERE id = " + broken.id);

        assertEquals(1, dispatcher.dispatchBatch("t"));

        OutboxMessage back = data.reload(broken.id);
        assertEquals(OutboxStatus.QUEUED, back.status, back.statusReason + " " + back.lastReply);
        assertEquals("INSTANCE_NOT_READY", back.statusReason);
        assertEquals(0, back.attempts, "not counted as an attempt");
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
    }

    @Test
    void the_cluster_send_rate_holds_for_dispatchers_sharing_the_database() throws Exception {
        for (int i = 0; i < 30; i++) {
            data.enqueue("paced" + i + "@example.com", i, "paced:" + i);
        }
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // the database keeps microseconds
        clock.freeze(start);
        data.execute("UPDATE send_rate SET tokens = 0, refilled_at = '" + start + "'::timestamptz");
        DeliveryConfig tenPerSecond = (DeliveryConfig) java.lang.reflect.Proxy.newProxyInstance(DeliveryConfig.class.getClassLoader(),
                new Class<?>[] { DeliveryConfig.class },
                (proxy, method, args) -> method.getName().equals("rateLimit") ? 10.0 : method.invoke(config, args));
        SendRateLimiter limiter = new SendRateLimiter(dataSource, clock, tenPerSecond);
        Dispatcher a = new Dispatcher(repository, gate, composer, submitter, limiter, metrics, tenPerSecond, readiness, bulkHold, clock);
        Dispatcher b = new Dispatcher(repository, gate, composer, submitter, limiter, metrics, tenPerSecond, readiness, bulkHold, clock);

        assertEquals(0, a.dispatchBatch("a"), "no budget before time passes");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(10, a.dispatchBatch("a"), "one second's worth");
        assertEquals(0, b.dispatchBatch("b"), "the other dispatcher draws from the same, empty bucket");
        clock.advance(Duration.ofMillis(500));
        assertEquals(5, b.dispatchBatch("b"));
        assertEquals(15L, count("status = 'SENT'"));
        assertEquals(15L, count("status = 'QUEUED'"));
    }

    @Test
    void retries_back_off_exponentially_up_to_the_limit() {
        Duration first = dispatcher.backoff(1);
        Duration third = dispatcher.backoff(3);
        Duration huge = dispatcher.backoff(40);
        assertTrue(first.compareTo(config.retryBase()) >= 0 && first.compareTo(config.retryBase().multipliedBy(11).dividedBy(10)) <= 0);
        assertTrue(third.compareTo(config.retryBase().multipliedBy(4)) >= 0, third.toString());
        assertTrue(huge.compareTo(config.retryMax().multipliedBy(11).dividedBy(10)) <= 0, huge.toString());
    }

    private long count(String where) throws Exception {
        return data.count("SELECT count(*) FROM outbox WHERE " + where);
    }
}
