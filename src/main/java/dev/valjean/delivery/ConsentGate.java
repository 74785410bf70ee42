package dev.valjean.delivery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import dev.valjean.common.Sql;
import dev.valjean.consent.SuppressionReason;
import io.quarkus.logging.Log;

/**
 * The one component that decides whether a message may go: {@code SEND} or {@code SKIP(reason)},
 * from the state of the world now. It runs when a row is enqueued and again right before SMTP
 * submission.
 *
 * <p>Rules, in order: the contact exists and is not erased; the address is not suppressed for
 * this purpose; the basis type is known and allowed for this purpose; the basis is still valid.
 */
@ApplicationScoped
public class ConsentGate {

    /** What the gate needs to know about one row. */
    public record Candidate(long id, Purpose purpose, String basisType, Long basisId, long contactId) {
    }

    /** The verdict on one row. */
    public record Decision(boolean send, String reason) {
        public static final Decision SEND = new Decision(true, null);

        public static Decision skip(String reason) {
            return new Decision(false, reason);
        }
    }

    /** Suppression reasons that stop each purpose. Confirmation is a requested message: an opt-out or erasure does not stop a new explicit request. */
    private static final Map<Purpose, Set<SuppressionReason>> BLOCKING = Map.of(
            Purpose.NEWSLETTER, EnumSet.allOf(SuppressionReason.class),
            Purpose.NURTURE, EnumSet.allOf(SuppressionReason.class),
            Purpose.CONFIRMATION, EnumSet.of(SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT),
            Purpose.TRANSACTIONAL, EnumSet.of(SuppressionReason.HARD_BOUNCE));

    private final Sql sql;
    private final Map<String, ConsentBasis> bases;
    private final DeliveryMetrics metrics;

    public ConsentGate(Sql sql, Instance<ConsentBasis> bases, DeliveryMetrics metrics) {
        this.sql = sql;
        this.bases = bases.stream().collect(Collectors.toMap(ConsentBasis::type, Function.identity()));
        this.metrics = metrics;
    }

    /** Decides one row. */
    public Decision decide(Candidate candidate) {
        return decide(List.of(candidate)).get(candidate.id());
    }

    /**
     * Decides a batch in one round trip for contacts, suppressions and every basis type that
     * states its query ({@link ConsentBasis#stateQuery}), and one more per basis type that does not.
     */
    public Map<Long, Decision> decide(List<Candidate> candidates) {
        Map<Long, Decision> decisions = new HashMap<>();
        if (candidates.isEmpty()) {
            return decisions;
        }
        // the rows that will need their basis judged if their contact may be written to
        Map<String, List<Candidate>> needBasis = new HashMap<>();
        for (Candidate c : candidates) {
            if (basisProblem(c) == null) {
                needBasis.computeIfAbsent(c.basisType(), t -> new ArrayList<>()).add(c);
            }
        }
        List<Sql.Query> queries = new ArrayList<>();
        queries.add(contactStates(candidates));
        List<String> queried = new ArrayList<>();
        needBasis.forEach((type, rows) -> bases.get(type).stateQuery().ifPresent(q -> {
            queried.add(type);
            queries.add(new Sql.Query(q.sql(), ConsentBasis.ids(refs(rows))));
        }));
        List<List<Map<String, Object>>> results = sql.all(queries);
        Map<Long, ContactState> contacts = contactStates(results.get(0));
        Map<String, List<Map<String, Object>>> basisRows = new HashMap<>();
        for (int i = 0; i < queried.size(); i++) {
            basisRows.put(queried.get(i), results.get(i + 1));
        }

        Map<String, List<Candidate>> byBasis = new HashMap<>();
        for (Candidate c : candidates) {
            ContactState contact = contacts.get(c.contactId());
            if (contact == null) {
                decisions.put(c.id(), Decision.skip("CONTACT_MISSING"));
            } else if (contact.erased()) {
                decisions.put(c.id(), Decision.skip("ERASED"));
            } else {
                SuppressionReason blocking = contact.suppressions().stream()
                        .filter(BLOCKING.get(c.purpose())::contains).findFirst().orElse(null);
                String basisProblem = basisProblem(c);
                if (blocking != null) {
                    decisions.put(c.id(), Decision.skip("SUPPRESSED_" + blocking.name()));
                } else if (basisProblem != null) {
                    decisions.put(c.id(), Decision.skip(basisProblem));
                } else {
                    byBasis.computeIfAbsent(c.basisType(), t -> new ArrayList<>()).add(c);
                }
            }
        }
        byBasis.forEach((type, rows) -> {
            ConsentBasis basis = bases.get(type);
            List<Map<String, Object>> fetched = basisRows.get(type);
            Map<Long, String> invalid = fetched == null ? basis.invalid(refs(rows))
                    : basis.stateQuery().orElseThrow().judge(refs(rows), fetched);
            for (Candidate c : rows) {
                String reason = invalid.get(c.basisId());
                decisions.put(c.id(), reason == null ? Decision.SEND : Decision.skip(reason));
            }
        });
        decisions.forEach((id, d) -> {
            if (!d.send()) {
                metrics.skipped(d.reason());
            }
        });
        if (Log.isDebugEnabled()) {
            decisions.forEach((id, d) -> {
                if (!d.send()) {
                    Log.debugf("Outbox %d skipped: %s", id, d.reason());
                }
            });
        }
        return decisions;
    }

    /** The suppression reasons that stop mail of this purpose (the fan-out filters by the same rule). */
    static Set<SuppressionReason> blockingReasons(Purpose purpose) {
        return BLOCKING.get(purpose);
    }

    /** Why a row's stated basis cannot be judged at all (unknown, not for this purpose, missing); null when it can. */
    private String basisProblem(Candidate c) {
        if (!bases.containsKey(c.basisType())) {
            return "UNKNOWN_BASIS";
        }
        if (!allowedPurposes(c.basisType()).contains(c.purpose())) {
            return "BASIS_NOT_FOR_PURPOSE";
        }
        return c.basisId() == null ? "BASIS_MISSING" : null;
    }

    /** Whether a basis type is known and may justify this purpose. */
    boolean justifies(String basisType, Purpose purpose) {
        return bases.containsKey(basisType) && allowedPurposes(basisType).contains(purpose);
    }

    private Set<Purpose> allowedPurposes(String basisType) {
        return bases.get(basisType).purposes();
    }

    private record ContactState(boolean erased, Set<SuppressionReason> suppressions) {
    }

    private static List<ConsentBasis.BasisRef> refs(List<Candidate> rows) {
        return rows.stream().map(c -> new ConsentBasis.BasisRef(c.basisId(), c.contactId())).distinct().toList();
    }

    private static Sql.Query contactStates(Collection<Candidate> candidates) {
        return new Sql.Query("""
                SELECT c.id, c.erased_at IS NOT NULL AS erased, string_agg(s.reason, ',') AS reasons
                FROM contact c LEFT JOIN suppression s ON s.email_hash = c.email_hash
                WHERE c.id = ANY (?) GROUP BY c.id""", candidates.stream().map(Candidate::contactId).distinct().toList());
    }

    private static Map<Long, ContactState> contactStates(List<Map<String, Object>> rows) {
        Map<Long, ContactState> states = new HashMap<>();
        for (Map<String, Object> row : rows) {
            Set<SuppressionReason> set = EnumSet.noneOf(SuppressionReason.class);
            Object reasons = row.get("reasons");
            if (reasons != null) {
                for (String reason : reasons.toString().split(",")) {
                    set.add(SuppressionReason.valueOf(reason));
                }
            }
            states.put(((Number) row.get("id")).longValue(), new ContactState((Boolean) row.get("erased"), set));
        }
        return states;
    }
}
