package dev.valjean.issue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Sql;
import dev.valjean.delivery.BulkHold;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import dev.valjean.subscription.SubscriptionBasis;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * An issue's fan-out in parts. The transaction that starts an issue records its parts: ranges of
 * subscription ids holding about {@code fanout-part-size} confirmed subscribers each. Each part is
 * then queued in its own transaction, which also marks it done, so parts run side by side (this
 * instance's workers and any other instance's: a part's row is locked while it is queued) and a
 * crash leaves only whole parts to queue again.
 *
 * <p>The audience is every subscriber confirmed when the issue started (a subscription no newer
 * than the last part's end, confirmed no later than the start) who is still confirmed, not erased
 * and not suppressed when their part is queued; the consent gate looks again right
 * before each message is sent. A part is queued only while its issue is SENDING: a paused issue's
 * parts wait for it to resume.
 */
@ApplicationScoped
public class IssueFanout {

    private final Sql sql;
    private final OutboxService outbox;
    private final IssueConfig config;
    private final BulkHold bulkHold;
    private final Clock clock;
    private final ExecutorService workers;

    public IssueFanout(Sql sql, OutboxService outbox, IssueConfig config, BulkHold bulkHold, Clock clock) {
        this.sql = sql;
        this.outbox = outbox;
        this.config = config;
        this.bulkHold = bulkHold;
        this.clock = clock;
        this.workers = Executors.newFixedThreadPool(Math.max(1, config.fanoutWorkers()), r -> {
            Thread t = new Thread(r, "valjean-fanout");
            t.setDaemon(true);
            return t;
        });
    }

    @PreDestroy
    void stop() {
        workers.shutdownNow();
    }

    /**
     * Records the parts of a starting issue's fan-out, in the transaction that starts it; how many
     * (none when nobody is confirmed). The last part ends at the newest confirmed subscription, so
     * subscriptions made after the start are not in the issue.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public int plan(Issue issue) {
        // Every n-th confirmed subscriber's id closes a part, and the last one's closes the last: short walks of the
        // newsletter's (newsletter_id, id) index, one a part (a window over the whole list cost half a second a million).
        String confirmed = "FROM subscription WHERE newsletter_id = ? AND status = 'CONFIRMED' AND id > ?";
        int size = Math.max(1, config.fanoutPartSize());
        List<Long> bounds = new ArrayList<>();
        long after = 0;
        while (true) {
            Optional<Long> bound = sql.firstLong("SELECT id " + confirmed + " ORDER BY id OFFSET ? LIMIT 1", issue.newsletterId, after,
                    size - 1);
            if (bound.isEmpty()) {
                sql.firstLong("SELECT max(id) " + confirmed, issue.newsletterId, after).ifPresent(bounds::add);
                break;
            }
            bounds.add(bound.get());
            after = bound.get();
        }
        if (bounds.isEmpty()) {
            return 0;
        }
        return sql.update("""
                INSERT INTO issue_fanout (issue_id, part, after_id, through_id)
                SELECT ?, (b.n - 1)::int, COALESCE(lag(b.id) OVER (ORDER BY b.n), 0), b.id
                FROM unnest(?::bigint[]) WITH ORDINALITY AS b (id, n)""", issue.id, bounds);
    }

    /**
     * Queues the issue's parts that are left, on this instance's workers side by side, and returns
     * once none is left (a part another instance holds is waited for). Parts of an issue that is not
     * SENDING (paused) are left for later. Meanwhile this instance's dispatcher sends no issue's rows,
     * only mail outside issues (BulkHold): on a shared machine a delivery beside the fan-out took
     * its CPU and made it last half as long again (docs/DECISIONS.md 34, with what the hold costs).
     */
    public void expand(long issueId) {
        try (BulkHold.Hold held = bulkHold.hold()) {
            expandHeld(issueId);
        }
    }

    private void expandHeld(long issueId) {
        long started = System.nanoTime();
        int workerCount = Math.max(1, config.fanoutWorkers());
        List<CompletableFuture<int[]>> running = new ArrayList<>(workerCount);
        for (int i = 0; i < workerCount; i++) {
            running.add(CompletableFuture.supplyAsync(() -> work(issueId), workers));
        }
        int parts = 0;
        int added = 0;
        RuntimeException failure = null;
        for (CompletableFuture<int[]> r : running) {
            try {
                int[] done = r.join();
                parts += done[0];
                added += done[1];
            } catch (CompletionException e) {
                failure = e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        settle(issueId);
        if (parts > 0) {
            Log.infof("Issue %d: %d messages queued in %d ms (%d parts here)", issueId, added,
                    Duration.ofNanos(System.nanoTime() - started).toMillis(), parts);
        }
    }

    /** Queues what is left of every sending issue's fan-out (after a crash, or an issue started by the scheduler); issues seen. */
    public int expandPending() {
        List<Long> ids = sql.longs("""
                SELECT DISTINCT f.issue_id FROM issue_fanout f JOIN issue i ON i.id = f.issue_id
                WHERE f.done_at IS NULL AND i.status = 'SENDING' ORDER BY 1""");
        for (long id : ids) {
            try {
                expand(id);
            } catch (RuntimeException e) {
                Log.errorf(e, "Fan-out of issue %d stopped; its remaining parts are tried again on the next run", id);
            }
        }
        return ids.size();
    }

    /** One worker: parts queued and messages added. */
    private int[] work(long issueId) {
        int parts = 0;
        int added = 0;
        while (true) {
            Optional<Integer> part = QuarkusTransaction.requiringNew().call(() -> queueNextPart(issueId));
            if (part.isEmpty()) {
                return new int[] { parts, added };
            }
            parts++;
            added += part.get();
        }
    }

    /**
     * Queues one part of the issue in the current transaction and marks it done; empty when no part
     * is left or the issue is not SENDING. Holds the issue's row in share mode, so a pause (which
     * holds back the issue's queued messages) waits for the part, and a part after the pause waits
     * for the resume.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    Optional<Integer> queueNextPart(long issueId) {
        // A part's insert is estimated far above jit_above_cost, and PostgreSQL's JIT compiled its expressions for each
        // part anew: 22 % of a part's time (docs/BENCHMARKS.md, issue 15). The setting ends with the transaction.
        sql.rows("SELECT set_config('jit', 'off', true)");
        List<Map<String, Object>> issue = sql.rows("SELECT newsletter_id, started_at FROM issue WHERE id = ? AND status = 'SENDING' FOR SHARE",
                issueId);
        if (issue.isEmpty()) {
            return Optional.empty();
        }
        String pending = "SELECT part, after_id, through_id FROM issue_fanout WHERE issue_id = ? AND done_at IS NULL ORDER BY part LIMIT 1 FOR UPDATE";
        List<Map<String, Object>> part = sql.rows(pending + " SKIP LOCKED", issueId);
        if (part.isEmpty()) {
            // The rest are held by other workers: wait for them; a part they finished no longer qualifies when its lock is released.
            part = sql.rows(pending, issueId);
            if (part.isEmpty()) {
                return Optional.empty();
            }
        }
        long newsletterId = ((Number) issue.get(0).get("newsletter_id")).longValue();
        Instant startedAt = (Instant) issue.get(0).get("started_at");
        int number = ((Number) part.get(0).get("part")).intValue();
        int added = outbox.enqueueAll(new OutboxService.Fanout(Purpose.NEWSLETTER, SubscriptionBasis.TYPE, "issue:" + issueId), """
                SELECT id AS basis_id, contact_id FROM subscription
                WHERE newsletter_id = ? AND status = 'CONFIRMED' AND confirmed_at <= ? AND id > ? AND id <= ?""",
                newsletterId, startedAt, part.get(0).get("after_id"), part.get(0).get("through_id"));
        sql.update("UPDATE issue_fanout SET added = ?, done_at = ? WHERE issue_id = ? AND part = ?", added, clock.instant(), issueId,
                number);
        return Optional.of(added);
    }

    /** Once every part is done, the issue's recipients are the messages its parts added. */
    private void settle(long issueId) {
        QuarkusTransaction.requiringNew().run(() -> sql.update("""
                UPDATE issue SET recipients = (SELECT sum(added) FROM issue_fanout WHERE issue_id = ?)
                WHERE id = ? AND recipients IS NULL
                  AND NOT EXISTS (SELECT 1 FROM issue_fanout WHERE issue_id = ? AND done_at IS NULL)
                  AND EXISTS (SELECT 1 FROM issue_fanout WHERE issue_id = ?)""", issueId, issueId, issueId, issueId));
    }
}
