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

    /** How often expiry and clean-up run (a Quarkus scheduler interval such as 10m, or "off"). */
    @WithDefault("10m")
    String housekeepingEvery();
}
