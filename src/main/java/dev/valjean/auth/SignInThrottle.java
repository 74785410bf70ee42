package dev.valjean.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Sql;

/**
 * Slows repeated sign-in failures per account and per client address, in the database so every
 * instance counts the same attempts. The first few failures are free; after that each attempt
 * must wait 1 s, 2 s, 4 s ... up to {@code valjean.console.max-sign-in-wait}. A success clears
 * the account's count; failures older than a day are forgotten.
 */
@ApplicationScoped
public class SignInThrottle {

    private final Sql sql;
    private final Clock clock;
    private final ConsoleConfig config;

    public SignInThrottle(Sql sql, Clock clock, ConsoleConfig config) {
        this.sql = sql;
        this.clock = clock;
        this.config = config;
    }

    public static String accountKey(String normalizedEmail) {
        return "account:" + normalizedEmail;
    }

    public static String addressKey(String addressBucket) {
        return "ip:" + addressBucket;
    }

    /** How long the caller must still wait before another attempt on any of these keys; zero when free to try. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Duration waitFor(List<String> keys) {
        Instant now = clock.instant();
        Instant until = null;
        for (var row : sql.rows("SELECT blocked_until FROM sign_in_throttle WHERE key = ANY(?) AND blocked_until > ?",
                keys.toArray(String[]::new), now)) {
            Instant u = (Instant) row.get("blocked_until");
            until = until == null || u.isAfter(until) ? u : until;
        }
        return until == null ? Duration.ZERO : Duration.between(now, until);
    }

    /** Counts a failure on the account and on the address, and sets how long each must now wait. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void failed(String accountKey, String addressKey) {
        count(accountKey, config.accountFreeFailures());
        count(addressKey, config.addressFreeFailures());
    }

    /** A success forgets the account's failures (not the address's: one right password must not unlock guessing others). */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void succeeded(String accountKey) {
        sql.update("DELETE FROM sign_in_throttle WHERE key = ?", accountKey);
    }

    private void count(String key, int free) {
        Instant now = clock.instant();
        // One statement, so two instances counting at once both count.
        sql.update("""
                INSERT INTO sign_in_throttle (key, failures, last_failure) VALUES (?, 1, ?)
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN sign_in_throttle.last_failure < ? - interval '1 day' THEN 1 ELSE sign_in_throttle.failures + 1 END,
                    last_failure = EXCLUDED.last_failure""", key, now, now);
        long failures = sql.firstLong("SELECT failures FROM sign_in_throttle WHERE key = ?", key).orElse(0L);
        if (failures > free) {
            long seconds = Math.min(config.maxSignInWait().toSeconds(), 1L << Math.min(30, failures - free - 1));
            sql.update("UPDATE sign_in_throttle SET blocked_until = ? WHERE key = ?", now.plusSeconds(seconds), key);
        }
    }
}
