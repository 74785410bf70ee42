package dev.valjean.events;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.transaction.Transactional;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.AuditTrail;
import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;

/** Who hears Valjean's events: a URL, the event types it wants, the secret its deliveries are signed with. */
@Path("/api/v1/event-subscribers")
@Authorized(Role.ADMIN)
public class EventSubscriberResource {

    public record CreateSubscriber(@NotNull @Size(max = 2000) String url, @NotNull @Size(min = 1, max = 20) List<String> events,
            @Size(min = 16, max = 200) String secret) {
    }

    /** A subscriber; {@code secret} only in the answer that created it. */
    public record SubscriberView(long id, String url, List<String> events, Instant createdAt, Instant pausedAt, String pausedReason,
            Instant failingSince, long waiting, String secret) {
    }

    private final Sql sql;
    private final Events events;
    private final AuditTrail audit;
    private final Clock clock;

    public EventSubscriberResource(Sql sql, Events events, AuditTrail audit, Clock clock) {
        this.sql = sql;
        this.events = events;
        this.audit = audit;
        this.clock = clock;
    }

    /** Adds a subscriber; without a {@code secret} one is made, shown once. Events from now on are queued for it. */
    @POST
    @Transactional
    public Response create(@Valid @NotNull CreateSubscriber r) {
        URI url;
        try {
            url = new URI(r.url().strip());
        } catch (java.net.URISyntaxException e) {
            throw ValjeanException.field("VALIDATION_FAILED", "url", "an http or https URL");
        }
        if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null || url.getUserInfo() != null) {
            throw ValjeanException.field("VALIDATION_FAILED", "url", "an http or https URL without credentials");
        }
        for (String e : r.events()) {
            if (!Events.TYPES.contains(e)) {
                throw ValjeanException.field("UNKNOWN_EVENT_TYPE", "events", "'" + e + "' is not one of " + String.join(", ", Events.TYPES));
            }
        }
        String secret = r.secret() != null ? r.secret() : "whsec_" + Signing.randomToken(24);
        long id = sql.firstLong("INSERT INTO event_subscriber (url, secret, event_types, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                url.toString(), secret, r.events().stream().distinct().toArray(String[]::new), clock.instant()).orElseThrow();
        audit.record("event_subscriber.created", "event_subscriber", id, Map.of("url", url.toString(), "events", r.events()));
        events.forget();
        SubscriberView v = find(id);
        return Response.created(URI.create("/api/v1/event-subscribers/" + id)).entity(new SubscriberView(v.id(), v.url(), v.events(), v.createdAt(),
                v.pausedAt(), v.pausedReason(), v.failingSince(), v.waiting(), secret)).build();
    }

    @GET
    public List<SubscriberView> list() {
        return sql.rows(SELECT + " WHERE s.deleted_at IS NULL ORDER BY s.id").stream().map(EventSubscriberResource::view).toList();
    }

    /** Stops sending to a subscriber; what waits for it is dropped. */
    @DELETE
    @Path("/{id}")
    @Transactional
    public Response delete(@PathParam("id") long id) {
        find(id);
        sql.update("UPDATE event_subscriber SET deleted_at = ? WHERE id = ?", clock.instant(), id);
        sql.update("UPDATE event_delivery SET status = 'CANCELLED' WHERE subscriber_id = ? AND status = 'PENDING'", id);
        audit.record("event_subscriber.deleted", "event_subscriber", id, Map.of());
        events.forget();
        return Response.noContent().build();
    }

    /** Resumes a paused subscriber: what waited is sent, in order, from now. */
    @POST
    @Path("/{id}/resume")
    @Transactional
    public SubscriberView resume(@PathParam("id") long id) {
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

    private SubscriberView find(long id) {
        return sql.rows(SELECT + " WHERE s.id = ? AND s.deleted_at IS NULL", id).stream().findFirst().map(EventSubscriberResource::view)
                .orElseThrow(() -> ValjeanException.notFound("Event subscriber " + id));
    }

    private static SubscriberView view(Map<String, Object> r) {
        return new SubscriberView(((Number) r.get("id")).longValue(), (String) r.get("url"), List.of(((String) r.get("events")).split(",")),
                (Instant) r.get("created_at"), (Instant) r.get("paused_at"), (String) r.get("paused_reason"), (Instant) r.get("failing_since"),
                ((Number) r.get("waiting")).longValue(), null);
    }
}
