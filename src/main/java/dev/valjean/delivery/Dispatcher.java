package dev.valjean.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.delivery.OutboxRepository.Claimed;
import dev.valjean.delivery.OutboxRepository.Outcome;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Drains the outbox one batch at a time: claim due rows under a lease (FOR UPDATE SKIP LOCKED),
 * ask the consent gate about each right before sending, submit the allowed ones concurrently over
 * pooled SMTP connections, and record every result in one batched update. Several dispatchers,
 * in one instance or many, share the outbox without sending a row twice.
 */
@ApplicationScoped
public class Dispatcher {

    private final OutboxRepository outbox;
    private final ConsentGate gate;
    private final MailComposer composer;
    private final SmtpSubmitter submitter;
    private final SendRateLimiter rateLimiter;
    private final DeliveryMetrics metrics;
    private final DeliveryConfig config;
    private final Clock clock;
    private final int concurrency;

    public Dispatcher(OutboxRepository outbox, ConsentGate gate, MailComposer composer, SmtpSubmitter submitter,
            SendRateLimiter rateLimiter, DeliveryMetrics metrics, DeliveryConfig config, Clock clock, SmtpConfig smtp) {
        this.outbox = outbox;
        this.gate = gate;
        this.composer = composer;
        this.submitter = submitter;
        this.rateLimiter = rateLimiter;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
        this.concurrency = Math.max(1, smtp.connections());
    }

    /** Sends batches until nothing is due; returns how many rows were handled. */
    public int drain(String owner) {
        int total = 0;
        int handled;
        while ((handled = dispatchBatch(owner)) > 0) {
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
        Instant now = clock.instant();
        int requeued = outbox.requeueExpiredLeases(now);
        if (requeued > 0) {
            Log.warnf("Returned %d rows with expired leases to the queue", requeued);
        }
        int permits = rateLimiter.acquire(config.batchSize());
        if (permits == 0) {
            return 0;
        }
        List<Claimed> rows = outbox.claim(owner, now, now.plus(config.lease()), permits);
        rateLimiter.refund(permits - rows.size());
        if (rows.isEmpty()) {
            return 0;
        }
        Map<Long, ConsentGate.Decision> decisions = gate.decide(rows.stream().map(Claimed::candidate).toList());
        List<Outcome> outcomes = new ArrayList<>(rows.size());
        List<Claimed> allowed = new ArrayList<>(rows.size());
        for (Claimed row : rows) {
            ConsentGate.Decision decision = decisions.get(row.id());
            if (decision.send()) {
                allowed.add(row);
            } else {
                outcomes.add(new Outcome(row.id(), OutboxStatus.SKIPPED, decision.reason(), null, null, null));
            }
        }
        if (!allowed.isEmpty()) {
            // At most as many submissions in flight as the relay has pooled connections: nothing
            // piles up in the SMTP client, and memory stays bounded by the batch.
            Duration budget = config.lease().multipliedBy(8).dividedBy(10);
            try {
                outcomes.addAll(Multi.createFrom().iterable(allowed)
                        .onItem().transformToUni(row -> submit(row, via)).merge(concurrency)
                        .collect().asList()
                        .await().atMost(budget));
            } catch (RuntimeException e) {
                // Rows without a result stay SENDING and return to the queue when their lease ends.
                Log.errorf(e, "A batch of %d submissions did not finish within %s", allowed.size(), budget);
            }
        }
        int recorded = outbox.record(owner, outcomes, clock.instant());
        if (recorded < outcomes.size()) {
            Log.warnf("%d of %d results were not recorded: their lease was taken over", outcomes.size() - recorded,
                    outcomes.size());
        }
        logSummary(owner, outcomes);
        return rows.size();
    }

    private Uni<Outcome> submit(Claimed row, SmtpSubmitter via) {
        return via.submit(() -> composer.compose(row)).map(result -> outcomeOf(row, result));
    }

    private Outcome outcomeOf(Claimed row, SmtpSubmitter.Result result) {
        Instant now = clock.instant();
        switch (result.kind()) {
            case ACCEPTED -> {
                metrics.sent(row.purpose(), result.latency());
                return new Outcome(row.id(), OutboxStatus.SENT, null, result.reply(), null, now);
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
