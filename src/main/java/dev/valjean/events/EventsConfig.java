package dev.valjean.events;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Events out. */
@ConfigMapping(prefix = "valjean.events")
public interface EventsConfig {

    /** How often queued events are delivered (a duration, or "off"); read by the delivery job's schedule. */
    @WithDefault("2s")
    String every();
}
