package dev.valjean.delivery;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.valjean.common.Signing;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Runs the dispatcher in this instance: every poll interval, {@code workers} loops drain the
 * outbox in parallel, each under its own lease owner name. On shutdown the loops stop claiming,
 * finish the submissions in flight and record them.
 */
@ApplicationScoped
public class DispatchJob {

    private final Dispatcher dispatcher;
    private final OutboxRepository outbox;
    private final DeliveryMetrics metrics;
    private final DeliveryConfig config;
    private final String instance;
    private final ExecutorService workers;
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
    }

    @Scheduled(every = "${valjean.delivery.poll-interval}", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void dispatch() {
        if (!config.scheduled() || stopping) {
            return;
        }
        List<Future<Integer>> loops = new ArrayList<>();
        for (int i = 1; i <= Math.max(1, config.workers()); i++) {
            String owner = instance + "/" + i;
            loops.add(workers.submit(() -> drain(owner)));
        }
        int total = 0;
        for (Future<Integer> loop : loops) {
            try {
                total += loop.get();
            } catch (Exception e) {
                Log.error("A dispatch loop failed; its claimed rows return to the queue when their lease ends", e);
            }
        }
        if (total > 0) {
            Log.debugf("Dispatched %d outbox rows", total);
        }
    }

    private int drain(String owner) {
        return dispatcher.drain(owner, () -> !stopping);
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
        workers.shutdown();
    }
}
