package dev.valjean.sales;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.auth.AuditTrail;
import dev.valjean.auth.Caller;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;

/** Demo, contact-sales and trial requests as sales reads them: newest first, with their fit, the CRM's receipt and a "handled" mark. */
@ApplicationScoped
public class SalesRequests {

    /** A request, with whether it fits the ideal customer profile, whether the CRM has it, and whether someone handled it. */
    public record SalesRequestView(long id, String kind, String email, String name, boolean qualified, String fit, String webhookStatus,
            int attempts, Instant postedAt, Instant createdAt, String fields, Instant handledAt, String handledBy) {
    }

    private final Sql sql;
    private final Clock clock;
    private final AuditTrail audit;
    private final Caller caller;

    public SalesRequests(Sql sql, Clock clock, AuditTrail audit, Caller caller) {
        this.sql = sql;
        this.clock = clock;
        this.audit = audit;
        this.caller = caller;
    }

    /** Newest first; {@code qualified} and {@code open} (not handled) filter when given. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SalesRequestView> list(Boolean qualified, Boolean open, int limit) {
        return list(qualified, open, null, null, limit);
    }

    /** As {@link #list(Boolean, Boolean, int)}, also by the CRM's receipt ({@code webhookStatus}) and older than {@code beforeId}. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SalesRequestView> list(Boolean qualified, Boolean open, String webhookStatus, Long beforeId, int limit) {
        return sql.rows("""
                SELECT r.id, r.kind, c.email, c.name, r.qualified, r.fit_reasons, r.webhook_status, r.attempts, r.posted_at, r.created_at,
                       s.fields::text AS fields, r.handled_at, r.handled_by
                FROM sales_request r JOIN contact c ON c.id = r.contact_id JOIN form_submission s ON s.id = r.submission_id
                WHERE (?::boolean IS NULL OR r.qualified = ?::boolean)
                  AND (?::boolean IS NULL OR (r.handled_at IS NULL) = ?::boolean)
                  AND (?::text IS NULL OR r.webhook_status = ?) AND (?::bigint IS NULL OR r.id < ?)
                ORDER BY r.id DESC LIMIT ?""", qualified, qualified, open, open, webhookStatus, webhookStatus, beforeId, beforeId,
                Math.max(1, Math.min(limit, 500))).stream()
                .map(r -> new SalesRequestView(((Number) r.get("id")).longValue(), (String) r.get("kind"), (String) r.get("email"),
                        (String) r.get("name"), Boolean.TRUE.equals(r.get("qualified")), (String) r.get("fit_reasons"),
                        (String) r.get("webhook_status"), ((Number) r.get("attempts")).intValue(), (Instant) r.get("posted_at"),
                        (Instant) r.get("created_at"), (String) r.get("fields"), (Instant) r.get("handled_at"), (String) r.get("handled_by")))
                .toList();
    }

    /** Marks a request handled (or open again); audited. Repeating it changes nothing. */
    @Transactional
    public void setHandled(long id, boolean handled) {
        int changed = handled
                ? sql.update("UPDATE sales_request SET handled_at = ?, handled_by = ? WHERE id = ? AND handled_at IS NULL", clock.instant(),
                        caller.name(), id)
                : sql.update("UPDATE sales_request SET handled_at = NULL, handled_by = NULL WHERE id = ? AND handled_at IS NOT NULL", id);
        if (changed == 0 && sql.firstLong("SELECT count(*) FROM sales_request WHERE id = ?", id).orElse(0L) == 0) {
            throw ValjeanException.notFound("Sales request " + id);
        }
        if (changed > 0) {
            audit.record(handled ? "sales_request.handled" : "sales_request.reopened", "sales_request", id, java.util.Map.of());
        }
    }
}
