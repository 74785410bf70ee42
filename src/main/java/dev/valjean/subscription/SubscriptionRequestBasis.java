package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ConsentBasis;
import dev.valjean.delivery.Purpose;

/** A pending sign-up justifies exactly one kind of email: its own confirmation, while it is open. */
@ApplicationScoped
public class SubscriptionRequestBasis implements ConsentBasis {

    public static final String TYPE = "SUBSCRIPTION_REQUEST";

    private final Sql sql;
    private final Clock clock;

    public SubscriptionRequestBasis(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<Purpose> purposes() {
        return Set.of(Purpose.CONFIRMATION);
    }

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        Instant now = clock.instant();
        return ConsentBasis.judge(refs, sql.rows(
                "SELECT id, contact_id, confirmed_at, expired_at, expires_at FROM subscription_request WHERE id = ANY(?)",
                ConsentBasis.ids(refs)), "REQUEST_UNKNOWN", row -> {
                    if (row.get("confirmed_at") != null) {
                        return "REQUEST_CONFIRMED";
                    }
                    return row.get("expired_at") != null || !now.isBefore((Instant) row.get("expires_at")) ? "REQUEST_EXPIRED" : null;
                });
    }
}
