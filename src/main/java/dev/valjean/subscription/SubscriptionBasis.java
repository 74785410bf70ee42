package dev.valjean.subscription;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ConsentBasis;
import dev.valjean.delivery.Purpose;

/** A confirmed subscription justifies newsletter issues to its subscriber, and nothing else. */
@ApplicationScoped
public class SubscriptionBasis implements ConsentBasis {

    public static final String TYPE = "SUBSCRIPTION";

    private final Sql sql;

    public SubscriptionBasis(Sql sql) {
        this.sql = sql;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<Purpose> purposes() {
        return Set.of(Purpose.NEWSLETTER);
    }

    private static final StateQuery STATE = new StateQuery("SELECT id, contact_id, status FROM subscription WHERE id = ANY(?)",
            "SUBSCRIPTION_UNKNOWN", row -> "CONFIRMED".equals(row.get("status")) ? null : "SUBSCRIPTION_" + row.get("status"));

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        return STATE.judge(refs, sql.rows(STATE.sql(), ConsentBasis.ids(refs)));
    }

    @Override
    public Optional<StateQuery> stateQuery() {
        return Optional.of(STATE);
    }
}
