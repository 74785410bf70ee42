package dev.valjean.delivery;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

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

    /** One row's reliance on a basis: the basis id and the contact it should reach. */
    record BasisRef(Long basisId, long contactId) {
    }
}
