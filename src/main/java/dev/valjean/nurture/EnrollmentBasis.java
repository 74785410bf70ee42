package dev.valjean.nurture;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.delivery.ConsentBasis;
import dev.valjean.delivery.Purpose;

/**
 * An enrollment justifies its nurture steps only while the conversation it rests on goes on: the
 * deal is open and the person still on it (acceleration), or the account is a customer and the
 * person still with it (customer success); and the person has not opted out, been suppressed or
 * replied. The same reasons end enrollments before their next step.
 */
@ApplicationScoped
public class EnrollmentBasis implements ConsentBasis {

    public static final String TYPE = "ENROLLMENT";

    /** The one way an enrollment ends that leaves its already queued steps valid. */
    static final String COMPLETED = "COMPLETED";

    private final Sql sql;

    public EnrollmentBasis(Sql sql) {
        this.sql = sql;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<Purpose> purposes() {
        return Set.of(Purpose.NURTURE);
    }

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        return ConsentBasis.judge(refs, state(ConsentBasis.ids(refs)), "ENROLLMENT_UNKNOWN", row -> exitReason(row, true));
    }

    /** For each enrollment whose basis is gone, why; enrollments not in the result may go on. */
    Map<Long, String> exitReasons(Collection<Long> enrollmentIds) {
        Map<Long, String> reasons = new HashMap<>();
        if (enrollmentIds.isEmpty()) {
            return reasons;
        }
        for (Map<String, Object> row : state(enrollmentIds)) {
            String reason = exitReason(row, false);
            if (reason != null) {
                reasons.put(((Number) row.get("id")).longValue(), reason);
            }
        }
        return reasons;
    }

    private List<Map<String, Object>> state(Collection<Long> ids) {
        return sql.rows("""
                SELECT e.id, e.contact_id, e.status, e.ended_reason, s.purpose, o.status AS opportunity_status,
                       EXISTS (SELECT 1 FROM opportunity_contact oc
                               WHERE oc.opportunity_id = e.opportunity_id AND oc.contact_id = e.contact_id) AS on_opportunity,
                       a.customer,
                       EXISTS (SELECT 1 FROM opportunity_contact oc JOIN opportunity ao ON ao.id = oc.opportunity_id
                               WHERE ao.account_id = e.account_id AND oc.contact_id = e.contact_id) AS at_account,
                       c.erased_at IS NOT NULL AS erased,
                       EXISTS (SELECT 1 FROM nurture_opt_out n WHERE n.email_hash = c.email_hash) AS opted_out,
                       (SELECT string_agg(sp.reason, ',' ORDER BY sp.reason) FROM suppression sp
                        WHERE sp.email_hash = c.email_hash) AS suppressed
                FROM enrollment e
                JOIN sequence s ON s.id = e.sequence_id
                JOIN contact c ON c.id = e.contact_id
                LEFT JOIN opportunity o ON o.id = e.opportunity_id
                LEFT JOIN account a ON a.id = e.account_id
                WHERE e.id = ANY (?)""", List.copyOf(ids));
    }

    /**
     * Why this enrollment may not send (now), or null. The person's own choices come first, then
     * the conversation, then an end recorded on the enrollment (a reply, a stop by sales).
     */
    private static String exitReason(Map<String, Object> row, boolean forQueuedStep) {
        String suppressed = (String) row.get("suppressed");
        if (Boolean.TRUE.equals(row.get("opted_out")) || (suppressed != null && suppressed.contains("GLOBAL_OPT_OUT"))) {
            return "OPTED_OUT";
        }
        if (Boolean.TRUE.equals(row.get("erased"))) {
            return "ERASED";
        }
        if (suppressed != null) {
            return "SUPPRESSED_" + suppressed.split(",")[0];
        }
        if (SequencePurpose.SALES_ACCELERATION.name().equals(row.get("purpose"))) {
            String status = (String) row.get("opportunity_status");
            if (!"OPEN".equals(status)) {
                return "OPPORTUNITY_" + status;
            }
            if (!Boolean.TRUE.equals(row.get("on_opportunity"))) {
                return "LEFT_OPPORTUNITY";
            }
        } else {
            if (!Boolean.TRUE.equals(row.get("customer"))) {
                return "NO_LONGER_CUSTOMER";
            }
            if (!Boolean.TRUE.equals(row.get("at_account"))) {
                return "LEFT_ACCOUNT";
            }
        }
        if ("ENDED".equals(row.get("status"))) {
            String ended = (String) row.get("ended_reason");
            // A completed sequence's last step was queued while it was active; it still goes.
            return forQueuedStep && COMPLETED.equals(ended) ? null : ended;
        }
        return null;
    }
}
