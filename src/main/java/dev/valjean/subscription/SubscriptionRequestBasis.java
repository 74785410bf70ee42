package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
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

    private final StateQuery state = new StateQuery(
            "SELECT id, contact_id, confirmed_at, expired_at, expires_at FROM subscription_request WHERE id = ANY(?)",
            "REQUEST_UNKNOWN", this::reasonOf);

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
        return state.judge(refs, sql.rows(state.sql(), ConsentBasis.ids(refs)));
    }

    @Override
    public Optional<StateQuery> stateQuery() {
        return Optional.of(state);
    }

    private String reasonOf(Map<String, Object> row) {
        if (row.get("confirmed_at") != null) {
            return "REQUEST_CONFIRMED";
        }
        return row.get("expired_at") != null || !clock.instant().isBefore((Instant) row.get("expires_at")) ? "REQUEST_EXPIRED" : null;
    }
}
