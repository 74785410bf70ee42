package dev.valjean.subscription;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Double opt-in settings ({@code valjean.subscription.*}). */
@ConfigMapping(prefix = "valjean.subscription")
public interface SubscriptionConfig {

    /** How long a confirmation link works. */
    @WithDefault("7d")
    Duration confirmTtl();

    /** Confirmation emails one address may receive in 24 hours, however often the form is sent. */
    @WithDefault("3")
    int confirmationsPerDay();

    /** How long an expired, never-confirmed request keeps its personal data (IP, user agent, name) before it is deleted. */
    @WithDefault("30d")
    Duration retention();

    /**
     * Threads that run sign-ups needing no anti-abuse check (a token's, the preference centre's) in shared
     * transactions, each taking whatever such sign-ups wait when it starts one (docs/DECISIONS.md 35); 0: each
     * in its own transaction, on its request's thread.
     */
    @WithDefault("2")
    int batchThreads();

    /** The most sign-ups one shared transaction takes. */
    @WithDefault("16")
    int batchMax();

    /** How often expiry and clean-up run (a Quarkus scheduler interval such as 10m, or "off"). */
    @WithDefault("10m")
    String housekeepingEvery();
}
