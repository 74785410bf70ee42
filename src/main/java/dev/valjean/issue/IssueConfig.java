package dev.valjean.issue;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Newsletter issue settings ({@code valjean.issues.*}). */
@ConfigMapping(prefix = "valjean.issues")
public interface IssueConfig {

    /** Directory holding the author-owned layouts ({@code newsletter/<name>.html} and {@code .txt}), read at run time. */
    @WithDefault("templates")
    String layoutsDir();

    /** The sender's postal address printed in every issue (CAN-SPAM), unless the newsletter sets its own. */
    Optional<String> postalAddress();

    /** Largest rendered HTML allowed; Gmail clips messages over about 102 KB and would hide the unsubscribe link. */
    @WithDefault("100000")
    int maxHtmlBytes();

    /** How often scheduled issues are started and finished issues marked SENT (a scheduler interval, or "off"). */
    @WithDefault("5s")
    String startEvery();
}
