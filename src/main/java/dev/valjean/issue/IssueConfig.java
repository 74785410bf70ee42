package dev.valjean.issue;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Newsletter issue settings ({@code valjean.issues.*}). */
@ConfigMapping(prefix = "valjean.issues")
public interface IssueConfig {


    /** Largest rendered HTML allowed; Gmail clips messages over about 102 KB and would hide the unsubscribe link. */
    @WithDefault("100000")
    int maxHtmlBytes();

    /** How often scheduled issues are started and finished issues marked SENT (a scheduler interval, or "off"). */
    @WithDefault("5s")
    String startEvery();
}
