package dev.valjean.support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * For tests that hold a row locked from a connection of their own to see what shared transactions
 * (SignupBatches, one-click unsubscribes) take together: how many backends wait for a lock, and a
 * bounded wait for a condition.
 */
public final class LockWaits {

    private LockWaits() {
    }

    /** Backends of the test database waiting for a row lock. */
    public static long waitingForLock(TestData data) {
        try {
            return data.count("""
                    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'""");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the condition holds; fails the test after 20 s. */
    public static void awaitThat(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not within 20 s: " + what);
            }
            Thread.sleep(20);
        }
    }
}
