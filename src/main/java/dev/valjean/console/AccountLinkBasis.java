package dev.valjean.console;

import java.time.Clock;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ConsentBasis;
import dev.valjean.delivery.Purpose;

/**
 * The basis of an invitation or password-reset email: the single-use link it carries. The gate
 * asks again at sending time, so a link used, replaced or expired meanwhile, or a person
 * disabled, is not mailed.
 */
@ApplicationScoped
public class AccountLinkBasis implements ConsentBasis {

    public static final String TYPE = "ACCOUNT_LINK";

    private final Sql sql;
    private final Clock clock;

    public AccountLinkBasis(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
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
                SELECT l.id, c.id AS contact_id, l.used_at, l.expires_at, p.disabled_at
                FROM person_link l JOIN person p ON p.id = l.person_id JOIN contact c ON c.email_normalized = p.email_normalized
                WHERE l.id = ANY(?)""", ConsentBasis.ids(refs));
        var now = clock.instant();
        return ConsentBasis.judge(refs, rows, "LINK_UNKNOWN", row -> row.get("disabled_at") != null ? "PERSON_DISABLED"
                : row.get("used_at") != null ? "LINK_USED"
                : ((java.time.Instant) row.get("expires_at")).isBefore(now) ? "LINK_EXPIRED" : null);
    }
}
