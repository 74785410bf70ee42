package dev.valjean.delivery;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The mail relay every message is submitted to. */
@ConfigMapping(prefix = "valjean.smtp")
public interface SmtpConfig {

    /** How the connection to the relay is protected. */
    enum Tls {
        /** Plain SMTP; only for a relay on the same host or network. */
        DISABLED,
        /** STARTTLS when the relay offers it, plain otherwise. */
        OPTIONAL,
        /** STARTTLS or no delivery. */
        REQUIRED,
        /** TLS from the first byte (SMTPS, usually port 465). */
        IMPLICIT
    }

    @WithDefault("localhost")
    String host();

    @WithDefault("25")
    int port();

    @WithDefault("OPTIONAL")
    Tls tls();

    /** Relay credentials (AUTH PLAIN, or LOGIN when the relay offers only that); none: no AUTH. */
    Optional<String> username();

    Optional<String> password();

    /** Default From of every message that has no sender of its own. */
    @WithDefault("Valjean <valjean@localhost>")
    String from();

    /** Kept-alive connections per instance, which is also the number of submissions in flight. */
    @WithDefault("16")
    int connections();

    /** Name given in EHLO; defaults to the domain of {@link #from()}. */
    Optional<String> heloName();

    /**
     * Log each message instead of relaying it (dev mode): the outbox records it as sent and the
     * log shows recipient, subject and text.
     */
    @WithDefault("false")
    boolean logOnly();
}
