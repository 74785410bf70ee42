package dev.valjean.delivery;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;

import dev.valjean.common.Signing;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Runs the dispatcher in this instance. A pass sends one batch and, when that batch was full,
 * starts {@code workers} loops that drain the outbox in parallel, each under its own lease owner
 * name, until nothing is due. Passes run one at a time, on one thread: every poll interval, and
 * {@code wake-delay} after a transaction of this instance queued a message. So a confirmation
 * leaves within a moment of the sign-up instead of with the next poll, and mail queued at a steady
 * rate leaves in small batches spread over the second, not in one burst a second that stalls the
 * requests around it (docs/DECISIONS.md 32). On shutdown the loops stop claiming, finish the
 * submissions in flight and record them.
 */
@ApplicationScoped
public class DispatchJob {

    private final Dispatcher dispatcher;
    private final OutboxRepository outbox;
    private final DeliveryMetrics metrics;
    private final DeliveryConfig config;
    private final String instance;
    private final ExecutorService workers;
    private final ScheduledExecutorService passes;
    /** Whether a pass is waiting to start: requests until it starts join it. */
    private final AtomicBoolean passWaiting = new AtomicBoolean();
    /** When the next pass looks for expired leases (System.nanoTime); touched by the pass thread only. */
    private long nextRequeue = System.nanoTime();
    private volatile boolean stopping;

    public DispatchJob(Dispatcher dispatcher, OutboxRepository outbox, DeliveryMetrics metrics, DeliveryConfig config) {
        this.dispatcher = dispatcher;
        this.outbox = outbox;
        this.metrics = metrics;
        this.config = config;
        this.instance = ManagementFactory.getRuntimeMXBean().getName() + "-" + Signing.randomToken(3);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(Math.max(1, config.workers()),
                r -> new Thread(r, "valjean-dispatch-" + n.incrementAndGet()));
        this.passes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "valjean-dispatch");
            t.setDaemon(true);
            return t;
        });
    }

    @Scheduled(every = "${valjean.delivery.poll-interval}", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void poll() {
        requestPass(0);
    }

    /** After a commit that queued a message: a pass soon, joined by whatever else is queued until it starts. */
    void onQueued(@Observes(during = TransactionPhase.AFTER_SUCCESS) MessageQueued queued) {
        requestPass(Math.max(0, config.wakeDelay().toNanos()));
    }

    private void requestPass(long delayNanos) {
        if (!config.scheduled() || stopping || !passWaiting.compareAndSet(false, true)) {
            return;
        }
        try {
            passes.schedule(this::pass, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            passWaiting.set(false); // shutting down
        }
    }

    /**
     * One pass: expired leases returned (at most every {@link Dispatcher#REQUEUE_EVERY}), one batch, and
     * when that batch was full, the loops side by side until nothing is due.
     */
    private void pass() {
        // A request from here on asks for another pass after this one: it may have queued what this one's loops no longer see.
        passWaiting.set(false);
        if (stopping) {
            return;
        }
        if (System.nanoTime() - nextRequeue >= 0) {
            try {
                dispatcher.requeueExpiredLeases();
            } catch (RuntimeException e) {
                Log.error("Could not look for expired leases; trying again on the next pass", e);
                return;
            }
            nextRequeue = System.nanoTime() + Dispatcher.REQUEUE_EVERY.toNanos();
        }
        // One batch first: what a trickle of sign-ups queued fits in it, and a second loop would only claim nothing
        // beside it (or race it for the same rows: OutboxRepository.CLAIM). A full batch means more is due.
        // On the loops' pool, so that a shutdown waits for its submissions to be recorded as it waits for theirs.
        int first;
        try {
            first = workers.submit(() -> dispatcher.dispatchBatchWithoutRequeue(instance + "/1")).get();
        } catch (RejectedExecutionException e) {
            return; // shutting down
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            Log.error("A dispatch batch failed; its claimed rows return to the queue when their lease ends", e);
            return;
        }
        if (first < config.batchSize()) {
            return;
        }
        List<Future<Integer>> loops = new ArrayList<>();
        for (int i = 1; i <= Math.max(1, config.workers()); i++) {
            String owner = instance + "/" + i;
            try {
                loops.add(workers.submit(() -> dispatcher.drainWithoutRequeue(owner, () -> !stopping)));
            } catch (RejectedExecutionException e) {
                break; // shutting down
            }
        }
        int total = first;
        for (Future<Integer> loop : loops) {
            try {
                total += loop.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                Log.error("A dispatch loop failed; its claimed rows return to the queue when their lease ends", e);
            }
        }
        if (total > 0) {
            Log.debugf("Dispatched %d outbox rows", total);
        }
    }

    @Scheduled(every = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refreshGauges() {
        var counts = outbox.activeCounts();
        metrics.queued.set(counts.queued());
        metrics.sending.set(counts.sending());
    }

    /**
     * SIGTERM: stop claiming, let the submissions in flight finish and be recorded (up to
     * {@code valjean.delivery.drain-timeout}), and give claimed rows that did not start back to the
     * queue. What is still in flight after the limit returns to the queue when its lease ends.
     */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        dispatcher.stop();
        passes.shutdown();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                Log.warnf("Submissions still in flight after %s; their rows return to the queue when the lease ends",
                        config.drainTimeout());
            } else {
                Log.info("Dispatch stopped: every submission in flight was recorded");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @PreDestroy
    void close() {
        stopping = true;
        passes.shutdownNow();
        workers.shutdown();
    }
}
