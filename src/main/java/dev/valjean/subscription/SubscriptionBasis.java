package dev.valjean.subscription;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
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

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        Map<Long, String> invalid = new HashMap<>();
        Map<Long, Long> contactOf = new HashMap<>();
        refs.forEach(r -> contactOf.put(r.basisId(), r.contactId()));
        refs.forEach(r -> invalid.put(r.basisId(), "SUBSCRIPTION_UNKNOWN"));
        for (var row : sql.rows("SELECT id, contact_id, status FROM subscription WHERE id = ANY(?)",
                refs.stream().map(BasisRef::basisId).toList())) {
            long id = ((Number) row.get("id")).longValue();
            long contact = ((Number) row.get("contact_id")).longValue();
            if (!Long.valueOf(contact).equals(contactOf.get(id))) {
                continue; // a row pointing at someone else's basis stays invalid
            }
            String status = (String) row.get("status");
            if ("CONFIRMED".equals(status)) {
                invalid.remove(id);
            } else {
                invalid.put(id, "SUBSCRIPTION_" + status);
            }
        }
        return invalid;
    }
}
