package dev.valjean.delivery;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

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

    private final DataSource dataSource;
    private final Map<String, ConsentBasis> bases;
    private final DeliveryMetrics metrics;

    public ConsentGate(DataSource dataSource, Instance<ConsentBasis> bases, DeliveryMetrics metrics) {
        this.dataSource = dataSource;
        this.bases = bases.stream().collect(Collectors.toMap(ConsentBasis::type, Function.identity()));
        this.metrics = metrics;
    }

    /** Decides one row. */
    public Decision decide(Candidate candidate) {
        return decide(List.of(candidate)).get(candidate.id());
    }

    /** Decides a batch with one query for contacts and suppressions and one per basis type. */
    public Map<Long, Decision> decide(List<Candidate> candidates) {
        Map<Long, Decision> decisions = new HashMap<>();
        if (candidates.isEmpty()) {
            return decisions;
        }
        Map<Long, ContactState> contacts = contactStates(candidates);
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
                if (blocking != null) {
                    decisions.put(c.id(), Decision.skip("SUPPRESSED_" + blocking.name()));
                } else if (!bases.containsKey(c.basisType())) {
                    decisions.put(c.id(), Decision.skip("UNKNOWN_BASIS"));
                } else if (!allowedPurposes(c.basisType()).contains(c.purpose())) {
                    decisions.put(c.id(), Decision.skip("BASIS_NOT_FOR_PURPOSE"));
                } else if (c.basisId() == null) {
                    decisions.put(c.id(), Decision.skip("BASIS_MISSING"));
                } else {
                    byBasis.computeIfAbsent(c.basisType(), t -> new ArrayList<>()).add(c);
                }
            }
        }
        byBasis.forEach((type, rows) -> {
            Map<Long, String> invalid = bases.get(type).invalid(
                    rows.stream().map(c -> new ConsentBasis.BasisRef(c.basisId(), c.contactId())).distinct().toList());
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

    /** Whether a basis type is known and may justify this purpose. */
    boolean justifies(String basisType, Purpose purpose) {
        return bases.containsKey(basisType) && allowedPurposes(basisType).contains(purpose);
    }

    private Set<Purpose> allowedPurposes(String basisType) {
        return bases.get(basisType).purposes();
    }

    private record ContactState(boolean erased, Set<SuppressionReason> suppressions) {
    }

    private Map<Long, ContactState> contactStates(Collection<Candidate> candidates) {
        Long[] ids = candidates.stream().map(Candidate::contactId).distinct().toArray(Long[]::new);
        Map<Long, ContactState> states = new HashMap<>();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT c.id, c.erased_at IS NOT NULL, array_remove(array_agg(s.reason), NULL)
                        FROM contact c LEFT JOIN suppression s ON s.email_hash = c.email_hash
                        WHERE c.id = ANY (?) GROUP BY c.id""")) {
            statement.setArray(1, connection.createArrayOf("bigint", ids));
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    Array reasons = rows.getArray(3);
                    Set<SuppressionReason> set = EnumSet.noneOf(SuppressionReason.class);
                    for (Object reason : (Object[]) reasons.getArray()) {
                        set.add(SuppressionReason.valueOf((String) reason));
                    }
                    states.put(rows.getLong(1), new ContactState(rows.getBoolean(2), set));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Consent gate could not read contact state", e);
        }
        return states;
    }
}
