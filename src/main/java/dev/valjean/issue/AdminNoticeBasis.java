package dev.valjean.issue;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ConsentBasis;
import dev.valjean.delivery.Purpose;

/**
 * The basis of an operational notice to an admin (an issue paused itself): the basis id is the
 * person, still an active admin at sending time, at the address the console knows them by.
 */
@ApplicationScoped
public class AdminNoticeBasis implements ConsentBasis {

    public static final String TYPE = "ADMIN_NOTICE";

    private final Sql sql;

    public AdminNoticeBasis(Sql sql) {
        this.sql = sql;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<Purpose> purposes() {
        return Set.of(Purpose.TRANSACTIONAL);
    }

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        var rows = sql.rows("""
                SELECT p.id, c.id AS contact_id, p.role, p.disabled_at FROM person p JOIN contact c ON c.email_normalized = p.email_normalized
                WHERE p.id = ANY(?)""", ConsentBasis.ids(refs));
        return ConsentBasis.judge(refs, rows, "PERSON_UNKNOWN", row -> row.get("disabled_at") != null ? "PERSON_DISABLED"
                : "ADMIN".equals(row.get("role")) ? null : "NOT_AN_ADMIN");
    }
}
