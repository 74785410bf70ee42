package dev.valjean.auth;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The console's people, sessions and sign-in rules ({@code valjean.console.*}). */
@ConfigMapping(prefix = "valjean.console")
public interface ConsoleConfig {

    /** A session unused for this long ends. */
    @WithDefault("12h")
    Duration sessionIdleTimeout();

    /** A session ends this long after sign-in, used or not. */
    @WithDefault("7d")
    Duration sessionMaxAge();

    /** Session cookies carry Secure (only sent over HTTPS); off in dev and test, which run on plain http://localhost. */
    @WithDefault("true")
    boolean secureCookies();

    /** How long an invitation link works. */
    @WithDefault("72h")
    Duration invitationValidFor();

    /** How long a password-reset link works. */
    @WithDefault("1h")
    Duration resetValidFor();

    /** Failed sign-ins to one account before each further attempt must wait (1 s, doubling). */
    @WithDefault("5")
    int accountFreeFailures();

    /** Failed sign-ins from one address (or IPv6 /64) before each further attempt must wait; higher, for shared offices. */
    @WithDefault("20")
    int addressFreeFailures();

    /** The longest wait between attempts once throttled. */
    @WithDefault("15m")
    Duration maxSignInWait();
}
