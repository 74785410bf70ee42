package dev.valjean.delivery;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.inject.Singleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Outbox figures at /q/metrics: valjean_outbox_enqueued_total, _sent_total, _skipped_total{reason},
 * _failed_total, _retries_total, valjean_outbox_submit_seconds (SMTP latency), and the gauges
 * valjean_outbox_queued and valjean_outbox_sending.
 */
@Singleton
public class DeliveryMetrics {

    private final MeterRegistry registry;
    private final Timer submitLatency;
    private final Counter retries;
    /** Per purpose, registered once: looking a counter up by name and tags for each message cost more than counting. */
    private final Map<Purpose, Counter> enqueued = new EnumMap<>(Purpose.class);
    private final Map<Purpose, Counter> sent = new EnumMap<>(Purpose.class);
    final AtomicLong queued = new AtomicLong();
    final AtomicLong sending = new AtomicLong();

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.submitLatency = Timer.builder("valjean.outbox.submit")
                .description("Time from handing a message to the SMTP client to the relay's final reply")
                .publishPercentileHistogram()
                .register(registry);
        this.retries = Counter.builder("valjean.outbox.retries").description("Transient failures scheduled for another attempt")
                .register(registry);
        for (Purpose purpose : Purpose.values()) {
            enqueued.put(purpose, registry.counter("valjean.outbox.enqueued", "purpose", purpose.name()));
            sent.put(purpose, registry.counter("valjean.outbox.sent", "purpose", purpose.name()));
        }
        registry.gauge("valjean.outbox.queued", queued);
        registry.gauge("valjean.outbox.sending", sending);
    }

    public void enqueued(Purpose purpose) {
        enqueued(purpose, 1);
    }

    public void enqueued(Purpose purpose, long count) {
        enqueued.get(purpose).increment(count);
    }

    public void sent(Purpose purpose, Duration latency) {
        sent.get(purpose).increment();
        submitLatency.record(latency);
    }

    public void skipped(String reason) {
        registry.counter("valjean.outbox.skipped", "reason", reason).increment();
    }

    public void failed(Purpose purpose, String reason) {
        registry.counter("valjean.outbox.failed", "purpose", purpose.name(), "reason", reason).increment();
    }

    public void retried() {
        retries.increment();
    }
}
