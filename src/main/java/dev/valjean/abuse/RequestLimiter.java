package dev.valjean.abuse;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.ClientAddress;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;

/**
 * Per-client request limits shared by every instance: a fixed one-minute window counted in one
 * upserted row per client and minute. Over the limit: 429 with Retry-After.
 */
@ApplicationScoped
public class RequestLimiter {

    private final AbuseConfig config;
    private final Clock clock;
    private final Sql sql;

    public RequestLimiter(AbuseConfig config, Clock clock, Sql sql) {
        this.config = config;
        this.clock = clock;
        this.sql = sql;
    }

    /**
     * Counts one request from {@code ip}; throws 429 when the minute's allowance is used up. The
     * count is one statement committed on its own, outside the caller's transaction (suspended
     * meanwhile), so that it stands whatever becomes of the request: one round trip, where a
     * transaction of its own took two and the transaction manager's work around them
     * (docs/BENCHMARKS.md, thirty-first session).
     */
    @Transactional(Transactional.TxType.NOT_SUPPORTED)
    public void admit(String ip) {
        int limit = config.requestsPerIpPerMinute();
        if (limit <= 0) {
            return;
        }
        Instant now = clock.instant();
        Instant window = now.truncatedTo(ChronoUnit.MINUTES);
        long hits = sql.firstLong("""
                INSERT INTO request_window (key, window_start, hits) VALUES (?, ?, 1)
                ON CONFLICT (key, window_start) DO UPDATE SET hits = request_window.hits + 1
                RETURNING hits""", "ip:" + ClientAddress.bucketOf(ip), window).orElseThrow();
        if (hits > limit) {
            long retryAfter = Math.max(1, Duration.between(now, window.plusSeconds(60)).toSeconds());
            throw new TooManyRequests(retryAfter);
        }
    }

    /** Drops windows older than an hour. */
    @Transactional
    public int purge() {
        return sql.update("DELETE FROM request_window WHERE window_start < ?", clock.instant().minus(Duration.ofHours(1)));
    }

    /** A 429 that tells the client when to come back. */
    public static class TooManyRequests extends ValjeanException {
        private final long retryAfter;

        TooManyRequests(long retryAfter) {
            super(429, "TOO_MANY_REQUESTS", "Too many requests",
                    "Too many sign-up requests from this address; try again in " + retryAfter + " seconds.");
            this.retryAfter = retryAfter;
        }

        @Override
        public Long retryAfterSeconds() {
            return retryAfter;
        }
    }
}
