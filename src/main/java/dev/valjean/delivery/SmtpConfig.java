package dev.valjean.delivery;

import java.time.Duration;
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

    /**
     * How the connection is protected; when unset, {@code REQUIRED} if credentials are set (so a
     * password never crosses the network in clear), {@code OPTIONAL} otherwise.
     */
    Optional<Tls> tls();

    /** Relay credentials (AUTH PLAIN, or LOGIN when the relay offers only that); none: no AUTH. */
    Optional<String> username();

    Optional<String> password();

    /**
     * Send the credentials on an unencrypted session (a relay on the same host only). Off: AUTH
     * happens only after STARTTLS or over implicit TLS, so a network that strips STARTTLS learns
     * nothing.
     */
    @WithDefault("false")
    boolean allowPlainAuth();

    /** Time to connect, finish TLS and receive the greeting, and for each step of logging in. */
    @WithDefault("30s")
    Duration connectTimeout();

    /** Time to wait for the reply to each command, and for each write to go out (RFC 5321 suggests 5 minutes). */
    @WithDefault("5m")
    Duration replyTimeout();

    /** Time to wait for the reply after a message's final dot (RFC 5321 4.5.3.2.6: 10 minutes). */
    @WithDefault("10m")
    Duration finalReplyTimeout();

    /** The TLS mode in force: the configured one, or the default that depends on credentials. */
    default Tls effectiveTls() {
        return effectiveTls(tls(), username());
    }

    static Tls effectiveTls(Optional<Tls> configured, Optional<String> username) {
        return configured.orElse(username.isPresent() ? Tls.REQUIRED : Tls.OPTIONAL);
    }

    /** Everything the SMTP client needs. */
    default SmtpRelay.Settings relaySettings() {
        return new SmtpRelay.Settings(host(), port(), effectiveTls(), username().orElse(null), password().orElse(null),
                heloName().orElseGet(() -> SmtpSubmitter.heloFrom(from())), connections(), connectTimeout(),
                replyTimeout(), finalReplyTimeout(), allowPlainAuth());
    }

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
