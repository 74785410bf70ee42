package dev.valjean.sales;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.Sql;

/** Sales requests (demo, contact sales, trial) for sales: who asked, whether they fit, whether the CRM has them. */
@Path("/api/v1/sales-requests")
@Authorized({ Role.ADMIN, Role.SALES })
public class SalesRequestResource {

    private final Sql sql;

    public SalesRequestResource(Sql sql) {
        this.sql = sql;
    }

    /** A demo, contact-sales or trial request, with whether it fits the ideal customer profile and whether the CRM has it. */
    public record SalesRequestView(long id, String kind, String email, String name, boolean qualified, String fit, String webhookStatus,
            int attempts, java.time.Instant postedAt, java.time.Instant createdAt, String fields) {
    }

    @GET
    public List<SalesRequestView> list(@QueryParam("qualified") Boolean qualified, @QueryParam("limit") @DefaultValue("100") int limit) {
        return sql.rows("""
                SELECT r.id, r.kind, c.email, c.name, r.qualified, r.fit_reasons, r.webhook_status, r.attempts, r.posted_at, r.created_at,
                       s.fields::text AS fields
                FROM sales_request r JOIN contact c ON c.id = r.contact_id JOIN form_submission s ON s.id = r.submission_id
                WHERE (?::boolean IS NULL OR r.qualified = ?::boolean) ORDER BY r.id DESC LIMIT ?""",
                qualified, qualified, Math.max(1, Math.min(limit, 500))).stream()
                .map(r -> new SalesRequestView(((Number) r.get("id")).longValue(), (String) r.get("kind"), (String) r.get("email"),
                        (String) r.get("name"), Boolean.TRUE.equals(r.get("qualified")), (String) r.get("fit_reasons"),
                        (String) r.get("webhook_status"), ((Number) r.get("attempts")).intValue(), (java.time.Instant) r.get("posted_at"),
                        (java.time.Instant) r.get("created_at"), (String) r.get("fields")))
                .toList();
    }
}
