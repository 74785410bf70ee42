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

    @GET
    public List<Map<String, Object>> list(@QueryParam("qualified") Boolean qualified, @QueryParam("limit") @DefaultValue("100") int limit) {
        return sql.rows("""
                SELECT r.id, r.kind, c.email, c.name, r.qualified, r.fit_reasons AS "fit", r.webhook_status AS "webhookStatus",
                       r.attempts, r.posted_at AS "postedAt", r.created_at AS "createdAt", s.fields::text AS "fields"
                FROM sales_request r JOIN contact c ON c.id = r.contact_id JOIN form_submission s ON s.id = r.submission_id
                WHERE (?::boolean IS NULL OR r.qualified = ?::boolean) ORDER BY r.id DESC LIMIT ?""",
                qualified, qualified, Math.max(1, Math.min(limit, 500)));
    }
}
