package dev.valjean.delivery;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A kind of permission to send: a confirmed subscription, an enrollment on an open deal, an
 * operator's request. Each kind is one CDI bean; the {@link ConsentGate} asks it about the rows
 * that rely on it.
 */
public interface ConsentBasis {

    /** The value stored in {@code outbox.basis_type}. */
    String type();

    /** The purposes this kind of basis can justify; any other purpose relying on it is skipped. */
    Set<Purpose> purposes();

    /**
     * Of the given basis ids (for the given recipients), those that no longer allow sending, each
     * with a stable reason code. Ids not in the result are valid now. Called in batches: use
     * set-based queries.
     */
    Map<Long, String> invalid(Collection<BasisRef> refs);

    /**
     * The one query {@link #invalid} makes, for a basis whose state is one: the gate then sends it
     * in the same round trip as its own look-up of the contacts, and judges its rows the same way.
     * Empty (the default): the gate calls {@link #invalid}.
     */
    default Optional<StateQuery> stateQuery() {
        return Optional.empty();
    }

    /**
     * A basis's state as one query: {@code sql} takes the basis ids as its one parameter (a
     * bigint[]) and returns the columns {@code id}, {@code contact_id} and what {@code reasonOf}
     * reads; {@code unknown} is the reason for an id without a row (see {@link #judge}).
     */
    record StateQuery(String sql, String unknown, Function<Map<String, Object>, String> reasonOf) {

        /** {@link ConsentBasis#invalid} from the rows this query returned for these refs. */
        public Map<Long, String> judge(Collection<BasisRef> refs, List<Map<String, Object>> rows) {
            return ConsentBasis.judge(refs, rows, unknown, reasonOf);
        }
    }

    /**
     * The common shape of {@link #invalid}: each ref whose basis row is missing, or belongs to
     * another contact than the row to send, is {@code unknown}; the others get
     * {@code reasonOf(row)}, null meaning valid. {@code rows} carry the columns {@code id} and
     * {@code contact_id}.
     */
    static Map<Long, String> judge(Collection<BasisRef> refs, List<Map<String, Object>> rows, String unknown,
            Function<Map<String, Object>, String> reasonOf) {
        Map<Long, Long> contactOf = new HashMap<>();
        refs.forEach(r -> contactOf.put(r.basisId(), r.contactId()));
        Map<Long, String> invalid = new HashMap<>();
        refs.forEach(r -> invalid.put(r.basisId(), unknown));
        for (Map<String, Object> row : rows) {
            long id = ((Number) row.get("id")).longValue();
            if (((Number) row.get("contact_id")).longValue() != contactOf.getOrDefault(id, -1L)) {
                continue; // a row pointing at someone else's basis stays invalid
            }
            String reason = reasonOf.apply(row);
            if (reason == null) {
                invalid.remove(id);
            } else {
                invalid.put(id, reason);
            }
        }
        return invalid;
    }

    /** The basis ids of these refs. */
    static List<Long> ids(Collection<BasisRef> refs) {
        return refs.stream().map(BasisRef::basisId).distinct().toList();
    }

    /** One row's reliance on a basis: the basis id and the contact it should reach. */
    record BasisRef(Long basisId, long contactId) {
    }
}
