package dev.valjean.delivery;

import java.util.Collection;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * A message an operator explicitly asked for, such as a relay test to an address they typed.
 * Valid for TRANSACTIONAL mail only (the gate enforces purposes); the basis id is the API token.
 */
@ApplicationScoped
public class OperatorBasis implements ConsentBasis {

    public static final String TYPE = "OPERATOR";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<Purpose> purposes() {
        return Set.of(Purpose.TRANSACTIONAL);
    }

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        return Map.of();
    }
}
