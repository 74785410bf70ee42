package dev.valjean.auth;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.Sql;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;

/**
 * Every state-changing action, from the console or the API: who (person or token), when, what,
 * on which object, with a few details (an override reason, a count). Recorded in the same
 * transaction as the change, so an action that rolls back leaves no trace and one that commits
 * always does. Append-only in the database.
 */
@ApplicationScoped
public class AuditTrail {

    /** One recorded action. */
    public record Event(long id, Instant at, Actor.Kind actorKind, Long actorId, String actorName, String action, String objectType,
            String objectId, String detail) {
    }

    /** What to list: all filters optional; {@code beforeId} pages back from the newest. */
    public record Filter(String objectType, String objectId, Actor.Kind actorKind, Long actorId, String action, Long beforeId, int limit) {
    }

    private final Sql sql;
    private final ObjectMapper json;

    public AuditTrail(Sql sql, ObjectMapper json) {
        this.sql = sql;
        this.json = json;
    }

    /** Records an action by whoever makes the current request (Valjean itself outside a request). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(String action, String objectType, Object objectId, Map<String, ?> detail) {
        record(currentActor(), action, objectType, objectId, detail);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(Actor actor, String action, String objectType, Object objectId, Map<String, ?> detail) {
        String details;
        try {
            details = json.writeValueAsString(detail == null ? Map.of() : detail);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("audit detail is not JSON", e);
        }
        sql.update("INSERT INTO audit_event (actor_kind, actor_id, actor_name, action, object_type, object_id, detail) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?::jsonb)", actor.kind(), actor.id(), actor.name(), action, objectType,
                objectId == null ? null : String.valueOf(objectId), details);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Event> list(Filter f) {
        StringBuilder where = new StringBuilder("WHERE true");
        List<Object> params = new ArrayList<>();
        if (f.objectType() != null) {
            where.append(" AND object_type = ?");
            params.add(f.objectType());
        }
        if (f.objectId() != null) {
            where.append(" AND object_id = ?");
            params.add(f.objectId());
        }
        if (f.actorKind() != null) {
            where.append(" AND actor_kind = ?");
            params.add(f.actorKind());
        }
        if (f.actorId() != null) {
            where.append(" AND actor_id = ?");
            params.add(f.actorId());
        }
        if (f.action() != null) {
            where.append(" AND action = ?");
            params.add(f.action());
        }
        if (f.beforeId() != null) {
            where.append(" AND id < ?");
            params.add(f.beforeId());
        }
        params.add(Math.max(1, Math.min(500, f.limit())));
        return sql.rows("SELECT id, at, actor_kind, actor_id, actor_name, action, object_type, object_id, detail::text AS detail "
                + "FROM audit_event " + where + " ORDER BY id DESC LIMIT ?", params.toArray()).stream()
                .map(r -> new Event(((Number) r.get("id")).longValue(), (Instant) r.get("at"), Actor.Kind.valueOf((String) r.get("actor_kind")),
                        r.get("actor_id") == null ? null : ((Number) r.get("actor_id")).longValue(), (String) r.get("actor_name"),
                        (String) r.get("action"), (String) r.get("object_type"), (String) r.get("object_id"), (String) r.get("detail")))
                .toList();
    }

    private static Actor currentActor() {
        ManagedContext request = Arc.container().requestContext();
        if (!request.isActive()) {
            return Actor.SYSTEM;
        }
        return Arc.container().instance(Caller.class).get().actor();
    }
}
