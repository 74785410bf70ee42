package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
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
        Map<Long, String> invalid = new HashMap<>();
        Map<Long, Long> contactOf = new HashMap<>();
        refs.forEach(r -> contactOf.put(r.basisId(), r.contactId()));
        refs.forEach(r -> invalid.put(r.basisId(), "REQUEST_UNKNOWN"));
        Instant now = clock.instant();
        for (var row : sql.rows("SELECT id, contact_id, confirmed_at, expired_at, expires_at FROM subscription_request WHERE id = ANY(?)",
                refs.stream().map(BasisRef::basisId).toList())) {
            long id = ((Number) row.get("id")).longValue();
            long contact = ((Number) row.get("contact_id")).longValue();
            if (!Long.valueOf(contact).equals(contactOf.get(id))) {
                continue; // a row pointing at someone else's basis stays invalid
            }
            if (row.get("confirmed_at") != null) {
                invalid.put(id, "REQUEST_CONFIRMED");
            } else if (row.get("expired_at") != null || !now.isBefore((Instant) row.get("expires_at"))) {
                invalid.put(id, "REQUEST_EXPIRED");
            } else {
                invalid.remove(id);
            }
        }
        return invalid;
    }
}
