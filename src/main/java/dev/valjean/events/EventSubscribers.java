package dev.valjean.events;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.auth.AuditTrail;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;

/** Who hears Valjean's events, for the API and the console alike: add, list, remove, resume. */
@ApplicationScoped
public class EventSubscribers {

    /** A subscriber; {@code secret} only when it was just created. */
    public record SubscriberView(long id, String url, List<String> events, Instant createdAt, Instant pausedAt, String pausedReason,
            Instant failingSince, long waiting, String secret) {
    }

    private final Sql sql;
    private final Events events;
    private final AuditTrail audit;
    private final Clock clock;

    public EventSubscribers(Sql sql, Events events, AuditTrail audit, Clock clock) {
        this.sql = sql;
        this.events = events;
        this.audit = audit;
        this.clock = clock;
    }

    /** Adds a subscriber; without a secret one is made. Events from now on are queued for it. The answer holds the secret. */
    @Transactional
    public SubscriberView create(String urlText, List<String> types, String givenSecret) {
        URI url;
        try {
            url = new URI(urlText == null ? "" : urlText.strip());
        } catch (java.net.URISyntaxException e) {
            throw ValjeanException.field("VALIDATION_FAILED", "url", "an http or https URL");
        }
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null || url.getUserInfo() != null
                || url.toString().length() > 2000) {
            throw ValjeanException.field("VALIDATION_FAILED", "url", "an http or https URL without credentials");
        }
        if (types == null || types.isEmpty()) {
            throw ValjeanException.field("VALIDATION_FAILED", "events", "choose at least one event type");
        }
        for (String e : types) {
            if (!Events.TYPES.contains(e)) {
                throw ValjeanException.field("UNKNOWN_EVENT_TYPE", "events", "'" + e + "' is not one of " + String.join(", ", Events.TYPES));
            }
        }
        if (givenSecret != null && (givenSecret.length() < 16 || givenSecret.length() > 200)) {
            throw ValjeanException.field("VALIDATION_FAILED", "secret", "16 to 200 characters, or none to have one made");
        }
        String secret = givenSecret != null ? givenSecret : "whsec_" + Signing.randomToken(24);
        long id = sql.firstLong("INSERT INTO event_subscriber (url, secret, event_types, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                url.toString(), secret, types.stream().distinct().toArray(String[]::new), clock.instant()).orElseThrow();
        audit.record("event_subscriber.created", "event_subscriber", id, Map.of("url", url.toString(), "events", types));
        events.forget();
        SubscriberView v = find(id);
        return new SubscriberView(v.id(), v.url(), v.events(), v.createdAt(), v.pausedAt(), v.pausedReason(), v.failingSince(), v.waiting(),
                secret);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SubscriberView> list() {
        return sql.rows(SELECT + " WHERE s.deleted_at IS NULL ORDER BY s.id").stream().map(EventSubscribers::view).toList();
    }

    /** Stops sending to a subscriber; what waits for it is dropped. */
    @Transactional
    public void delete(long id) {
        find(id);
        sql.update("UPDATE event_subscriber SET deleted_at = ? WHERE id = ?", clock.instant(), id);
        sql.update("UPDATE event_delivery SET status = 'CANCELLED' WHERE subscriber_id = ? AND status = 'PENDING'", id);
        audit.record("event_subscriber.deleted", "event_subscriber", id, Map.of());
        events.forget();
    }

    /** Resumes a paused subscriber: what waited is sent, in order, from now. */
    @Transactional
    public SubscriberView resume(long id) {
        find(id);
        sql.update("UPDATE event_subscriber SET paused_at = NULL, paused_reason = NULL, failing_since = NULL WHERE id = ?", id);
        sql.update("UPDATE event_delivery SET next_attempt_at = ? WHERE subscriber_id = ? AND status = 'PENDING'", clock.instant(), id);
        audit.record("event_subscriber.resumed", "event_subscriber", id, Map.of());
        return find(id);
    }

    private static final String SELECT = """
            SELECT s.id, s.url, array_to_string(s.event_types, ',') AS events, s.created_at, s.paused_at, s.paused_reason, s.failing_since,
                   (SELECT count(*) FROM event_delivery d WHERE d.subscriber_id = s.id AND d.status = 'PENDING') AS waiting
            FROM event_subscriber s""";

    public SubscriberView find(long id) {
        return sql.rows(SELECT + " WHERE s.id = ? AND s.deleted_at IS NULL", id).stream().findFirst().map(EventSubscribers::view)
                .orElseThrow(() -> ValjeanException.notFound("Event subscriber " + id));
    }

    private static SubscriberView view(Map<String, Object> r) {
        return new SubscriberView(((Number) r.get("id")).longValue(), (String) r.get("url"), List.of(((String) r.get("events")).split(",")),
                (Instant) r.get("created_at"), (Instant) r.get("paused_at"), (String) r.get("paused_reason"), (Instant) r.get("failing_since"),
                ((Number) r.get("waiting")).longValue(), null);
    }
}
