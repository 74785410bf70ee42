package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * The dispatcher as it runs in a deployment, but with no poll at all: the scheduler is off, so
 * the only way a message leaves is the pass a commit that queued it asks for.
 */
@QuarkusTest
@TestProfile(PromptDeliveryTest.NoPolling.class)
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PromptDeliveryTest {

    public static class NoPolling implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("valjean.delivery.scheduled", "true", "quarkus.scheduler.enabled", "false");
        }
    }

    @Inject
    TestData data;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void a_message_queued_by_this_instance_is_sent_without_waiting_for_a_poll() throws Exception {
        OutboxMessage queued = data.enqueue("prompt@example.com", 1, "prompt:1");

        assertTrue(SmtpServers.greenMail.waitForIncomingEmail(15_000, 1), "sent after the commit, with no poll running");
        awaitSent(1);
        assertEquals(OutboxStatus.SENT, data.reload(queued.id).status);
    }

    @Test
    void messages_queued_one_after_another_are_each_sent_once() throws Exception {
        int n = 40;
        for (int i = 0; i < n; i++) {
            // one transaction each, as sign-ups are: some join a pass waiting to start, others ask for the next
            data.enqueue("reader" + i + "@example.com", i, "prompt:" + i);
            if (i % 10 == 9) {
                Thread.sleep(120);
            }
        }

        assertTrue(SmtpServers.greenMail.waitForIncomingEmail(15_000, n), "every message sent");
        awaitSent(n);
        List<String> recipients = new ArrayList<>();
        for (MimeMessage m : SmtpServers.greenMail.getReceivedMessages()) {
            recipients.add(m.getHeader("To", null));
        }
        assertEquals(n, recipients.size());
        assertEquals(n, recipients.stream().distinct().count(), "no message twice: " + recipients);
    }

    /** Waits (up to 15 s) until {@code n} rows are recorded as SENT; the relay accepts a message before its result is written. */
    private void awaitSent(long n) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (data.count("SELECT count(*) FROM outbox WHERE status = 'SENT'") < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(n, data.count("SELECT count(*) FROM outbox WHERE status = 'SENT'"));
    }
}
