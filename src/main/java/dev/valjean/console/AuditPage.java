package dev.valjean.console;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.valjean.auth.Actor;
import dev.valjean.auth.AuditTrail;
import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** Admins read the audit trail, newest first, filtered by object, actor or action. */
@Path("/console/audit")
@ConsolePage
@Authorized(Role.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class AuditPage {

    /** The filter as typed, to show it again. */
    public record Query(String object, String actor, String action) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance audit(Frame frame, List<AuditTrail.Event> events, Query query, Long older);
    }

    private static final int PAGE = 100;

    @Inject
    AuditTrail audit;
    @Inject
    Frames frames;

    @GET
    public TemplateInstance list(@QueryParam("object") String object, @QueryParam("actor") String actor, @QueryParam("action") String action,
            @QueryParam("before") Long before) {
        String type = null;
        String id = null;
        if (object != null && !object.isBlank()) {
            String[] parts = object.strip().split(":", 2);
            type = parts[0];
            id = parts.length > 1 && !parts[1].isBlank() ? parts[1] : null;
        }
        Actor.Kind kind = null;
        Long actorId = null;
        if (actor != null && !actor.isBlank()) {
            String[] parts = actor.strip().split(":", 2);
            try {
                kind = Actor.Kind.valueOf(parts[0].toUpperCase());
                actorId = parts.length > 1 ? Long.valueOf(parts[1]) : null;
            } catch (IllegalArgumentException e) {
                kind = null;
            }
        }
        List<AuditTrail.Event> events = audit.list(new AuditTrail.Filter(type, id, kind, actorId,
                action == null || action.isBlank() ? null : action.strip(), before, PAGE));
        Long older = events.size() == PAGE ? events.get(events.size() - 1).id() : null;
        return Templates.audit(frames.of("Audit trail", "audit", "Audit trail"), events, new Query(object, actor, action), older);
    }
}
