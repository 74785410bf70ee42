package dev.valjean.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The relay's rate limit, as a token bucket kept in one database row so that every instance on
 * the database draws from the same budget: N instances together never exceed the configured
 * messages per second. The bucket holds at most one second of tokens.
 */
@ApplicationScoped
public class SendRateLimiter {

    private static final Duration MAX_WAIT = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private final Clock clock;
    private final double rate;

    public SendRateLimiter(DataSource dataSource, Clock clock, DeliveryConfig config) {
        this.dataSource = dataSource;
        this.clock = clock;
        this.rate = config.rateLimit();
    }

    /**
     * Permits to send up to {@code wanted} messages now, waiting up to two seconds for the first
     * one. Zero means the budget is spent; the caller tries again later.
     */
    public int acquire(int wanted) {
        if (rate <= 0) {
            return wanted;
        }
        long deadline = System.nanoTime() + MAX_WAIT.toNanos();
        while (true) {
            int granted = tryAcquire(wanted, rate, clock.instant());
            if (granted > 0 || System.nanoTime() > deadline) {
                return granted;
            }
            sleep(Math.max(5, (long) (1000 / rate)));
        }
    }

    /** Gives back permits that were not used (fewer rows were due than permitted). */
    public void refund(int unused) {
        if (rate <= 0 || unused <= 0) {
            return;
        }
        try (Connection c = dataSource.getConnection();
                PreparedStatement s = c.prepareStatement("UPDATE send_rate SET tokens = LEAST(?, tokens + ?) WHERE id = 1")) {
            s.setDouble(1, Math.max(rate, 1));
            s.setDouble(2, unused);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("Could not refund send permits", e);
        }
    }

    /** One atomic draw from the shared bucket at time {@code now} with the given rate. */
    int tryAcquire(int wanted, double ratePerSecond, Instant now) {
        double burst = Math.max(ratePerSecond, 1);
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                double tokens;
                Instant refilledAt;
                try (PreparedStatement s = c.prepareStatement("SELECT tokens, refilled_at FROM send_rate WHERE id = 1 FOR UPDATE");
                        ResultSet rs = s.executeQuery()) {
                    rs.next();
                    tokens = rs.getDouble(1);
                    refilledAt = rs.getObject(2, OffsetDateTime.class).toInstant();
                }
                double elapsed = Math.max(0, Duration.between(refilledAt, now).toNanos() / 1e9);
                tokens = Math.min(burst, tokens + elapsed * ratePerSecond);
                int granted = (int) Math.min(wanted, Math.floor(tokens));
                try (PreparedStatement s = c.prepareStatement("UPDATE send_rate SET tokens = ?, refilled_at = ? WHERE id = 1")) {
                    s.setDouble(1, tokens - granted);
                    s.setObject(2, OutboxRepository.utc(now.isAfter(refilledAt) ? now : refilledAt));
                    s.executeUpdate();
                }
                c.commit();
                return granted;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not draw send permits", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
