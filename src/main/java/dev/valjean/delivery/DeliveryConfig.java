package dev.valjean.delivery;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the outbox is drained. */
@ConfigMapping(prefix = "valjean.delivery")
public interface DeliveryConfig {

    /** Whether the scheduled dispatcher runs in this instance (tests drive it by hand). */
    @WithDefault("true")
    boolean scheduled();

    /** How often an idle instance looks for due messages. */
    @WithDefault("1s")
    Duration pollInterval();

    /**
     * How soon this instance starts sending a message queued by one of its own transactions (a
     * confirmation, a sequence step), after the commit; messages queued meanwhile go in the same
     * batch. Other instances find it on their next poll.
     */
    @WithDefault("50ms")
    Duration wakeDelay();

    /** Dispatch loops per instance; each claims, sends and records its own batches. */
    @WithDefault("2")
    int workers();

    /** Messages claimed at once by one loop. Bounds memory whatever the queue length. */
    @WithDefault("200")
    int batchSize();

    /**
     * How long a claim holds its rows (on the database's clock); renewed while submissions are in
     * flight, so a crashed instance's rows go back to the queue at most this long after it died.
     */
    @WithDefault("5m")
    Duration lease();

    /** On shutdown, how long submissions in flight may take to finish and be recorded. */
    @WithDefault("30s")
    Duration drainTimeout();

    /** Attempts before a transiently failing message becomes FAILED. */
    @WithDefault("8")
    int maxAttempts();

    /** First retry delay; doubled on every further attempt. */
    @WithDefault("1m")
    Duration retryBase();

    /** Longest retry delay. */
    @WithDefault("6h")
    Duration retryMax();

    /** Messages per second for the whole cluster (all instances share one budget); 0 means no limit. */
    @WithDefault("50")
    double rateLimit();

    /** Domain of generated Message-IDs; defaults to the domain of the configured From address. */
    Optional<String> messageIdDomain();

    /**
     * The last field of each message's Feedback-ID header (campaign:list:type:sender), which
     * Gmail's feedback loop reports complaint rates by; stable for one sender.
     */
    @io.smallrye.config.WithDefault("valjean")
    String feedbackSenderId();

    /** Reply-To added to every message, if set. */
    Optional<String> replyTo();
}
