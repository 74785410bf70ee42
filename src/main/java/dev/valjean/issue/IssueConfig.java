package dev.valjean.issue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Newsletter issue settings ({@code valjean.issues.*}). */
@ConfigMapping(prefix = "valjean.issues")
public interface IssueConfig {

    /** Largest rendered HTML allowed; Gmail clips messages over about 102 KB and would hide the unsubscribe link. */
    @WithDefault("100000")
    int maxHtmlBytes();

    /** How often scheduled issues are started, fan-out parts a crash left are queued, and finished issues marked SENT (a scheduler interval, or "off"). */
    @WithDefault("5s")
    String startEvery();

    /** Confirmed subscribers per part of an issue's fan-out; each part is queued in its own transaction. */
    @WithDefault("25000")
    int fanoutPartSize();

    /** Parts of a fan-out this instance queues side by side (other instances may join in). */
    @WithDefault("2")
    int fanoutWorkers();
}
