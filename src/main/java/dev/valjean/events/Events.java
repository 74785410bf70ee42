package dev.valjean.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.Sql;

/**
 * Queues an event for every subscriber that wants its type, in the transaction of the change it
 * tells about, so an event is queued exactly when the change commits. Its data is the person's
 * address and id plus the ids given; nothing else about them.
 */
@ApplicationScoped
public class Events {

    /** The event types a subscriber may ask for. */
    public static final List<String> TYPES = List.of("subscription.requested", "subscription.confirmed", "subscription.unsubscribed",
            "subscription.expired", "contact.suppressed", "contact.erased", "contact.bounced", "contact.complained", "enrollment.started",
            "enrollment.ended", "sales_request.created");

    /** How long an instance trusts its list of wanted types (another instance may add a subscriber meanwhile). */
    static final Duration WANTED_FOR = Duration.ofSeconds(5);

    private final Sql sql;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private volatile Set<String> wanted = Set.of();
    private volatile Instant wantedAt = Instant.EPOCH;

    public Events(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    /** Queues {@code type} about a contact, with these ids (no personal data beyond what the event adds: the address and contact id). */
    @Transactional
    public void emit(String type, long contactId, Map<String, ?> ids) {
        if (!wants(type)) {
            return;
        }
        Instant now = clock.instant();
        sql.update("""
                WITH e AS (
                    INSERT INTO outbound_event (occurred_at, type, contact_id, data)
                    SELECT ?, ?, c.id, jsonb_build_object('contactId', c.id, 'email', c.email) || ?::jsonb FROM contact c WHERE c.id = ?
                    RETURNING id, contact_id)
                INSERT INTO event_delivery (subscriber_id, event_id, contact_id, status, attempts, next_attempt_at)
                SELECT s.id, e.id, e.contact_id, 'PENDING', 0, ? FROM event_subscriber s CROSS JOIN e
                WHERE s.deleted_at IS NULL AND ? = ANY (s.event_types)""",
                now, type, text(ids), contactId, now, type);
    }

    /** The same event about several contacts (sequences ended together), one statement each. */
    @Transactional
    public void emitAll(String type, List<Long> contactIds, List<Map<String, ?>> ids) {
        if (!wants(type)) {
            return;
        }
        for (int i = 0; i < contactIds.size(); i++) {
            emit(type, contactIds.get(i), ids.get(i));
        }
    }

    /**
     * The person is erased: what is still waiting about them is not sent, and only the erasure
     * itself goes out (its address is removed once delivered).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void erased(long contactId) {
        sql.update("UPDATE event_delivery SET status = 'CANCELLED' WHERE contact_id = ? AND status = 'PENDING'", contactId);
        sql.update("UPDATE outbound_event SET data = data - 'email' WHERE contact_id = ?", contactId);
        emit("contact.erased", contactId, Map.of());
    }

    /** Whether any subscriber wants this type (read again every few seconds); callers skip building data nobody wants. */
    public boolean wants(String type) {
        Instant now = clock.instant();
        if (now.isAfter(wantedAt.plus(WANTED_FOR)) || now.isBefore(wantedAt)) {
            Set<String> types = new HashSet<>();
            for (var r : sql.rows("SELECT DISTINCT unnest(event_types) AS t FROM event_subscriber WHERE deleted_at IS NULL")) {
                types.add((String) r.get("t"));
            }
            wanted = types;
            wantedAt = now;
        }
        return wanted.contains(type);
    }

    /** A subscriber was added or removed here: read the wanted types again at the next event. */
    void forget() {
        wantedAt = Instant.EPOCH;
    }

    private String text(Map<String, ?> ids) {
        try {
            return json.writeValueAsString(ids == null ? Map.of() : ids);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
