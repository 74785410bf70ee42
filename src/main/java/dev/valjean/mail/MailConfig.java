package dev.valjean.mail;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What every kind of mail is rendered with ({@code valjean.mail.*}). */
@ConfigMapping(prefix = "valjean.mail")
public interface MailConfig {

    /** Directory holding the shipped author layouts ({@code newsletter/<name>.html|txt}, {@code nurture/<name>.html|txt}), read at run time. */
    @WithDefault("templates")
    String layoutsDir();

    /** The sender's postal address printed in every email (CAN-SPAM), unless a newsletter sets its own. */
    Optional<String> postalAddress();
}
