package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SendRateLimiterTest {

    @Inject
    TestData data;
    @Inject
    SendRateLimiter limiter;

    Instant start;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        long micros = data.count("SELECT (extract(epoch FROM refilled_at) * 1000000)::bigint FROM send_rate");
        start = Instant.ofEpochSecond(0, micros * 1000);
    }

    @Test
    void the_bucket_refills_at_the_configured_rate_and_holds_at_most_one_second() {
        assertEquals(0, limiter.tryAcquire(100, 10, start));
        assertEquals(5, limiter.tryAcquire(100, 10, start.plusMillis(500)));
        assertEquals(0, limiter.tryAcquire(100, 10, start.plusMillis(500)));
        assertEquals(10, limiter.tryAcquire(100, 10, start.plusSeconds(60)), "a long pause still allows one second's worth");
    }

    @Test
    void concurrent_dispatchers_share_one_budget() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> draws = new ArrayList<>();
        Instant oneSecondLater = start.plusSeconds(1);
        for (int i = 0; i < 40; i++) {
            draws.add(pool.submit(() -> limiter.tryAcquire(1, 10, oneSecondLater)));
        }
        int granted = 0;
        for (Future<Integer> draw : draws) {
            granted += draw.get();
        }
        pool.shutdown();
        assertEquals(10, granted, "forty draws at 10 messages per second after one second");
    }
}
