package dev.valjean.events;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * Delivers queued events: each POSTed as JSON {@code {id, type, occurredAt, data}}, signed like
 * the sales webhook ({@code X-Valjean-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}),
 * with {@code X-Valjean-Event} (the type) and {@code X-Valjean-Event-Id} for the receiver's dedupe.
 * In order per contact and subscriber: an event waits while an earlier one about the same person
 * is undelivered. A 2xx delivers; anything else is retried with exponential backoff; a receiver
 * failing for longer than {@link #PAUSE_AFTER} is paused until an admin resumes it. Several
 * instances share the queue through short leases.
 */
@ApplicationScoped
public class EventDelivery {

    static final Duration PAUSE_AFTER = Duration.ofHours(24);
    static final Duration LEASE = Duration.ofSeconds(60);
    static final int BATCH = 50;

    private final Sql sql;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    public EventDelivery(Sql sql, Clock clock, EventsConfig config) {
        this.sql = sql;
        this.clock = clock;
        Log.debugf("Events are delivered every %s", config.every());
    }

    @Scheduled(every = "${valjean.events.every:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        deliverDue();
    }

    /** Delivers what is due now, batch after batch; the number of requests answered 2xx. */
    public int deliverDue() {
        int delivered = 0;
        List<Map<String, Object>> batch;
        do {
            batch = claim();
            for (Map<String, Object> d : batch) {
                if (deliver(d)) {
                    delivered++;
                }
            }
        } while (batch.size() == BATCH);
        return delivered;
    }

    /** Leases due deliveries whose earlier events about the same person (for the same subscriber) are delivered. */
    private List<Map<String, Object>> claim() {
        Instant now = clock.instant();
        return sql.rows("""
                WITH due AS (
                    SELECT d.id FROM event_delivery d JOIN event_subscriber s ON s.id = d.subscriber_id
                    WHERE d.status = 'PENDING' AND d.next_attempt_at <= ? AND (d.lease_until IS NULL OR d.lease_until < ?)
                      AND s.deleted_at IS NULL AND s.paused_at IS NULL
                      AND NOT EXISTS (SELECT 1 FROM event_delivery e WHERE e.subscriber_id = d.subscriber_id AND e.contact_id = d.contact_id
                                      AND e.status = 'PENDING' AND e.event_id < d.event_id)
                    ORDER BY d.event_id LIMIT ? FOR UPDATE OF d SKIP LOCKED)
                UPDATE event_delivery d SET lease_until = ? FROM due, outbound_event ev, event_subscriber s
                WHERE d.id = due.id AND ev.id = d.event_id AND s.id = d.subscriber_id
                RETURNING d.id, d.attempts, d.subscriber_id, s.url, s.secret, ev.id AS event_id, ev.type, ev.occurred_at, ev.data::text AS data""",
                now, now, BATCH, now.plus(LEASE));
    }

    private boolean deliver(Map<String, Object> d) {
        long id = ((Number) d.get("id")).longValue();
        long eventId = ((Number) d.get("event_id")).longValue();
        String type = (String) d.get("type");
        String body;
        try {
            body = "{\"id\":\"evt_" + eventId + "\",\"type\":" + json.writeValueAsString(type) + ",\"occurredAt\":"
                    + json.writeValueAsString(((Instant) d.get("occurred_at")).toString()) + ",\"data\":" + d.get("data") + "}";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        long t = clock.instant().getEpochSecond();
        String outcome;
        boolean ok;
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create((String) d.get("url"))).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("X-Valjean-Signature", Signing.webhookHeader((String) d.get("secret"), t, body))
                    .header("X-Valjean-Event", type).header("X-Valjean-Event-Id", "evt_" + eventId)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(), HttpResponse.BodyHandlers.discarding());
            ok = r.statusCode() / 100 == 2;
            outcome = "HTTP " + r.statusCode();
        } catch (java.io.IOException | IllegalArgumentException e) {
            ok = false;
            outcome = e.getClass().getSimpleName();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        Instant now = clock.instant();
        long subscriber = ((Number) d.get("subscriber_id")).longValue();
        if (ok) {
            sql.update("UPDATE event_delivery SET status = 'DELIVERED', delivered_at = ?, lease_until = NULL, attempts = attempts + 1, last_status = ? "
                    + "WHERE id = ?", now, outcome, id);
            sql.update("UPDATE event_subscriber SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL", subscriber);
            if (type.equals("contact.erased")) {
                // the erasure told, the address goes
                sql.update("""
                        UPDATE outbound_event SET data = data - 'email' WHERE id = ? AND NOT EXISTS (
                            SELECT 1 FROM event_delivery WHERE event_id = ? AND status = 'PENDING')""", eventId, eventId);
            }
            return true;
        }
        int attempts = ((Number) d.get("attempts")).intValue() + 1;
        long backoff = Math.min(3600, 5L << Math.min(attempts - 1, 10));
        Instant next = now.plusSeconds(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
        sql.update("UPDATE event_delivery SET attempts = ?, next_attempt_at = ?, lease_until = NULL, last_status = ? WHERE id = ?", attempts, next,
                outcome, id);
        sql.update("UPDATE event_subscriber SET failing_since = coalesce(failing_since, ?) WHERE id = ?", now, subscriber);
        int paused = sql.update("""
                UPDATE event_subscriber SET paused_at = ?, paused_reason = ? WHERE id = ? AND paused_at IS NULL AND failing_since <= ?""",
                now, "failing since it answered " + outcome + " for " + PAUSE_AFTER.toHours() + " hours", subscriber, now.minus(PAUSE_AFTER));
        if (paused > 0) {
            Log.warnf("Event subscriber %d paused: failing for %d hours (%s)", subscriber, PAUSE_AFTER.toHours(), outcome);
        }
        return false;
    }
}
