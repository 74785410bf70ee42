package dev.valjean.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.delivery.OutboxRepository.Claimed;
import dev.valjean.delivery.OutboxRepository.Outcome;
import io.quarkus.logging.Log;

/**
 * Drains the outbox one batch at a time: claim due rows under a lease (FOR UPDATE SKIP LOCKED,
 * leases on the database's clock; mail outside issues first, and no issue's rows while this instance
 * fans one out: {@link BulkHold}), ask the consent gate about each right before sending, submit
 * the allowed ones concurrently over pooled SMTP connections, and record each result as it comes
 * (results that finish together share one statement), on its lease, moving the batch's results into
 * the outbox once all are in (DECISIONS 39). A crash or a database outage can therefore
 * repeat only the submissions in flight at that moment. Several dispatchers, in one instance or
 * many, share the outbox without sending a row twice.
 */
@ApplicationScoped
public class Dispatcher {

    /** How long a released row or one this instance could not compose waits before another try. */
    private static final Duration NOT_READY_DELAY = Duration.ofSeconds(30);

    /** How often a running dispatch loop looks for expired leases. */
    static final Duration REQUEUE_EVERY = Duration.ofSeconds(10);

    /**
     * How long a result may wait on its lease while a message of its batch is still out (DECISIONS 39). A batch
     * at full speed ends well within it, and moves its results in one statement at its end.
     */
    static final long MOVE_AFTER_NANOS = Duration.ofSeconds(1).toNanos();

    private final OutboxRepository outbox;
    private final ConsentGate gate;
    private final MailComposer composer;
    private final SmtpSubmitter submitter;
    private final SendRateLimiter rateLimiter;
    private final DeliveryMetrics metrics;
    private final DeliveryConfig config;
    private final ComposeReadiness readiness;
    private final BulkHold bulkHold;
    private final Clock clock;
    private volatile boolean stopping;

    public Dispatcher(OutboxRepository outbox, ConsentGate gate, MailComposer composer, SmtpSubmitter submitter,
            SendRateLimiter rateLimiter, DeliveryMetrics metrics, DeliveryConfig config, ComposeReadiness readiness,
            BulkHold bulkHold, Clock clock) {
        this.outbox = outbox;
        this.gate = gate;
        this.composer = composer;
        this.submitter = submitter;
        this.rateLimiter = rateLimiter;
        this.metrics = metrics;
        this.config = config;
        this.readiness = readiness;
        this.bulkHold = bulkHold;
        this.clock = clock;
    }

    /**
     * Stops claiming and starting submissions: those in flight finish and are recorded, claimed
     * rows not yet started go back to the queue at once.
     */
    public void stop() {
        stopping = true;
    }

    /** Sends batches until nothing is due; returns how many rows were handled. */
    public int drain(String owner) {
        return drain(owner, () -> true);
    }

    /**
     * Sends batches until nothing is due or {@code keepGoing} says stop; returns how many rows
     * were handled. Looks for expired leases when it starts and every {@link #REQUEUE_EVERY} while
     * it runs, rather than before every batch: the scan costs more than a claim when the queue
     * churns, and a lease runs for minutes, but a loop kept busy by a steady queue must still give
     * a dead instance's rows back.
     */
    public int drain(String owner, BooleanSupplier keepGoing) {
        return drain(owner, keepGoing, REQUEUE_EVERY);
    }

    int drain(String owner, BooleanSupplier keepGoing, Duration requeueEvery) {
        return drain(owner, keepGoing, requeueEvery, true);
    }

    /**
     * {@link #drain(String, BooleanSupplier)} for a caller that looks for expired leases itself
     * before it starts loops ({@link DispatchJob}, which may start them many times a second):
     * a loop looks only once it has run for {@link #REQUEUE_EVERY}.
     */
    int drainWithoutRequeue(String owner, BooleanSupplier keepGoing) {
        return drain(owner, keepGoing, REQUEUE_EVERY, false);
    }

    private int drain(String owner, BooleanSupplier keepGoing, Duration requeueEvery, boolean requeueFirst) {
        long nextRequeue = System.nanoTime() + (requeueFirst ? 0 : requeueEvery.toNanos());
        int total = 0;
        while (keepGoing.getAsBoolean()) {
            if (System.nanoTime() - nextRequeue >= 0) {
                requeueExpiredLeases();
                nextRequeue = System.nanoTime() + requeueEvery.toNanos();
            }
            int handled = dispatchBatch(owner, submitter, false);
            if (handled == 0) {
                break;
            }
            total += handled;
        }
        return total;
    }

    /** One batch for dispatcher {@code owner}; returns how many rows it handled (0: nothing due or no send budget). */
    public int dispatchBatch(String owner) {
        return dispatchBatch(owner, submitter);
    }

    /** The same through another relay connection (tests use it to put a failing relay behind the same code). */
    public int dispatchBatch(String owner, SmtpSubmitter via) {
        return dispatchBatch(owner, via, true);
    }

    /** One batch for {@code owner} without looking for expired leases first ({@link DispatchJob} looks itself). */
    int dispatchBatchWithoutRequeue(String owner) {
        return dispatchBatch(owner, submitter, false);
    }

    /** Puts rows whose lease ran out back in the queue. */
    void requeueExpiredLeases() {
        try {
            int moved = outbox.moveAllResults();
            if (moved > 0) {
                Log.infof("Moved %d results left on their leases into the outbox", moved);
            }
        } catch (RuntimeException e) {
            Log.warnf("Could not move results left on their leases: %s", e.getMessage());
        }
        int requeued = outbox.requeueExpiredLeases(clock.instant());
        if (requeued > 0) {
            Log.warnf("Returned %d rows with expired leases to the queue", requeued);
        }
    }

    private int dispatchBatch(String owner, SmtpSubmitter via, boolean requeueFirst) {
        if (stopping) {
            return 0;
        }
        if (requeueFirst) {
            requeueExpiredLeases();
        }
        Instant now = clock.instant();
        Optional<String> notReady = readiness.problem();
        if (notReady.isPresent()) {
            Log.warnf("Not claiming mail: this instance cannot compose it (%s)", notReady.get());
            return 0;
        }
        int permits = rateLimiter.acquire(config.batchSize());
        if (permits == 0) {
            return 0;
        }
        long claimedAt = System.nanoTime();
        List<Claimed> rows = outbox.claim(owner, now, config.lease(), permits, bulkHold.bulkAllowed());
        rateLimiter.refund(permits - rows.size());
        if (rows.isEmpty()) {
            return 0;
        }
        Lease lease = new Lease(owner, claimedAt);
        Map<Long, ConsentGate.Decision> decisions = gate.decide(rows.stream().map(Claimed::candidate).toList());
        List<Outcome> skipped = new ArrayList<>();
        List<Claimed> allowed = new ArrayList<>(rows.size());
        for (Claimed row : rows) {
            ConsentGate.Decision decision = decisions.get(row.id());
            if (decision.send()) {
                allowed.add(row);
            } else {
                skipped.add(new Outcome(row.id(), OutboxStatus.SKIPPED, decision.reason(), null, null, null));
            }
        }
        lease.record(skipped, false);
        if (!allowed.isEmpty()) {
            submitAll(allowed, via, lease);
        }
        return rows.size();
    }

    /** A finished submission: its outcome, and whether it holds a reservation to release once recorded. */
    private record Finished(Outcome outcome, boolean reserved) {
    }

    /**
     * Hands every row to the submitter and records results as they arrive (those that finish
     * together share one statement), renewing the lease on the rest meanwhile. A message reaches
     * the relay only under a reservation that is released once its result is recorded, so at any
     * moment at most one message per connection is sent but unrecorded: all a crash can repeat.
     * When the batch has more messages than the reservations, they are what holds it back: its results go
     * onto their leases, to be moved into the outbox together (DECISIONS 39), or, while a message of the batch
     * is still out, those that have waited {@link #MOVE_AFTER_NANOS} (a slow relay holds back no one else's
     * result for longer). A smaller batch (a trickle of confirmations) has its results recorded in the outbox
     * at once, without the move's statement.
     */
    private void submitAll(List<Claimed> allowed, SmtpSubmitter via, Lease lease) {
        BlockingQueue<Finished> done = new LinkedBlockingQueue<>();
        Set<Long> unrecorded = ConcurrentHashMap.newKeySet();
        for (Claimed row : allowed) {
            unrecorded.add(row.id());
            via.submit(() -> !stopping, () -> composer.compose(row),
                    result -> done.add(new Finished(outcomeOf(row, result), result.reserved())));
        }
        long renewEvery = Math.max(1, config.lease().toNanos() / 3);
        long nextRenewal = System.nanoTime() + renewEvery;
        int left = allowed.size();
        List<Finished> finished = new ArrayList<>();
        boolean onLease = allowed.size() > via.connections();
        // Results on leases not yet moved, and when the first of them is to be.
        List<Long> onLeases = new ArrayList<>();
        long moveDue = Long.MAX_VALUE;
        try {
            while (left > 0) {
                Finished first;
                try {
                    long wakeAt = Math.min(nextRenewal, moveDue);
                    first = done.poll(Math.max(1, wakeAt - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    Log.warnf("%s: interrupted with %d rows unrecorded; they return after the lease", lease.owner, left);
                    return;
                }
                if (first != null) {
                    finished.add(first);
                    done.drainTo(finished);
                    List<Outcome> group = finished.stream().map(Finished::outcome).toList();
                    lease.record(group, onLease);
                    via.release((int) finished.stream().filter(Finished::reserved).count());
                    group.forEach(o -> unrecorded.remove(o.id()));
                    left -= group.size();
                    logSummary(lease.owner, group);
                    finished.clear();
                    if (onLease) {
                        if (onLeases.isEmpty()) {
                            moveDue = System.nanoTime() + MOVE_AFTER_NANOS;
                        }
                        group.forEach(o -> onLeases.add(o.id()));
                    }
                }
                if (left > 0 && System.nanoTime() >= moveDue) {
                    lease.moveResults(List.copyOf(onLeases));
                    onLeases.clear();
                    moveDue = Long.MAX_VALUE;
                }
                if (left > 0 && System.nanoTime() >= nextRenewal) {
                    lease.renew(List.copyOf(unrecorded));
                    nextRenewal = System.nanoTime() + renewEvery;
                }
            }
        } finally {
            // The batch's remaining results, or those recorded before an interruption. Left on their leases if this
            // fails, they are moved by the next look for expired leases.
            if (!onLeases.isEmpty()) {
                lease.moveResults(onLeases);
            }
        }
    }

    /** One claim's lease: records results, retrying through a database outage while the lease lasts. */
    private final class Lease {
        final String owner;
        /** System.nanoTime() after which the rows may belong to someone else. */
        volatile long validUntil;

        Lease(String owner, long claimedAt) {
            this.owner = owner;
            this.validUntil = claimedAt + config.lease().toNanos();
        }

        void renew(List<Long> ids) {
            long at = System.nanoTime();
            try {
                outbox.renew(owner, ids, config.lease());
                validUntil = at + config.lease().toNanos();
            } catch (RuntimeException e) {
                Log.warnf("%s: could not renew the lease of %d rows in flight: %s", owner, ids.size(), e.getMessage());
            }
        }

        /**
         * Moves the batch's results from their leases into the outbox (DECISIONS 39). Once: results it leaves
         * behind (the database gone for a moment) are moved by the next look for expired leases, here or elsewhere.
         */
        void moveResults(List<Long> ids) {
            try {
                outbox.moveResults(ids);
            } catch (RuntimeException e) {
                Log.warnf("%s: could not move %d results into the outbox; the next look for expired leases will: %s", owner,
                        ids.size(), e.getMessage());
            }
        }

        /** Records outcomes, on their leases ({@code onLease}, moved with the batch) or in the outbox at once. */
        void record(List<Outcome> outcomes, boolean onLease) {
            if (outcomes.isEmpty()) {
                return;
            }
            long delayMillis = 50;
            while (true) {
                try {
                    Instant now = clock.instant();
                    int recorded = onLease ? outbox.recordOnLease(owner, outcomes, now) : outbox.record(owner, outcomes, now);
                    if (recorded < outcomes.size()) {
                        Log.warnf("%d of %d results were not recorded: their lease was taken over",
                                outcomes.size() - recorded, outcomes.size());
                    }
                    return;
                } catch (RuntimeException e) {
                    if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMillis) >= validUntil) {
                        Log.errorf("%s: gave up recording %d results, the lease has run out: %s", owner, outcomes.size(),
                                e.getMessage());
                        return;
                    }
                    Log.warnf("%s: could not record %d results, trying again in %d ms: %s", owner, outcomes.size(),
                            delayMillis, e.getMessage());
                    try {
                        Thread.sleep(delayMillis);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    delayMillis = Math.min(delayMillis * 2, 2000);
                }
            }
        }
    }

    private Outcome outcomeOf(Claimed row, SmtpSubmitter.Result result) {
        Instant now = clock.instant();
        switch (result.kind()) {
            case ACCEPTED -> {
                metrics.sent(row.purpose(), result.latency());
                return new Outcome(row.id(), OutboxStatus.SENT, null, result.reply(), null, now);
            }
            case NOT_STARTED -> {
                return new Outcome(row.id(), OutboxStatus.QUEUED, "RELEASED", null, now, null, false);
            }
            case NOT_READY -> {
                Log.warnf("Outbox %d goes back to the queue: %s", row.id(), result.reply());
                return new Outcome(row.id(), OutboxStatus.QUEUED, "INSTANCE_NOT_READY", result.reply(),
                        now.plus(NOT_READY_DELAY), null, false);
            }
            case NOT_COMPOSED -> {
                metrics.failed(row.purpose(), "COMPOSE_FAILED");
                Log.errorf("Outbox %d could not be composed: %s", row.id(), result.reply());
                return new Outcome(row.id(), OutboxStatus.FAILED, "COMPOSE_FAILED", result.reply(), null, null);
            }
            case PERMANENT -> {
                metrics.failed(row.purpose(), "REJECTED");
                Log.infof("Outbox %d failed permanently: %s", row.id(), result.reply());
                return new Outcome(row.id(), OutboxStatus.FAILED, "REJECTED", result.reply(), null, null);
            }
            default -> {
                if (row.attempts() >= config.maxAttempts()) {
                    metrics.failed(row.purpose(), "RETRIES_EXHAUSTED");
                    Log.infof("Outbox %d failed after %d attempts: %s", row.id(), row.attempts(), result.reply());
                    return new Outcome(row.id(), OutboxStatus.FAILED, "RETRIES_EXHAUSTED", result.reply(), null, null);
                }
                metrics.retried();
                Instant next = now.plus(backoff(row.attempts()));
                Log.debugf("Outbox %d will retry at %s: %s", row.id(), next, result.reply());
                return new Outcome(row.id(), OutboxStatus.QUEUED, "RETRY", result.reply(), next, null);
            }
        }
    }

    /** base * 2^(attempt-1), capped, with up to 10% jitter so retries of one outage spread out. */
    Duration backoff(int attempt) {
        long base = config.retryBase().toMillis();
        long capped = Math.min(config.retryMax().toMillis(), base << Math.min(attempt - 1, 20));
        long jitter = capped / 10 == 0 ? 0 : ThreadLocalRandom.current().nextLong(capped / 10);
        return Duration.ofMillis(capped + jitter);
    }

    private static void logSummary(String owner, List<Outcome> outcomes) {
        if (!Log.isDebugEnabled()) {
            return;
        }
        long sent = outcomes.stream().filter(o -> o.status() == OutboxStatus.SENT).count();
        long skipped = outcomes.stream().filter(o -> o.status() == OutboxStatus.SKIPPED).count();
        long retry = outcomes.stream().filter(o -> o.status() == OutboxStatus.QUEUED).count();
        long failed = outcomes.stream().filter(o -> o.status() == OutboxStatus.FAILED).count();
        Log.debugf("%s: sent %d, skipped %d, retrying %d, failed %d", owner, sent, skipped, retry, failed);
    }
}
