package dev.valjean.support;

import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.delivery.ConsentBasis;
import dev.valjean.delivery.Purpose;

/**
 * A consent basis that tests revoke at will, so the foundation's gate can be proven before the
 * real bases (subscriptions, enrollments) exist.
 */
@ApplicationScoped
public class TestBasis implements ConsentBasis {

    public static final String TYPE = "TEST";
    private static final Set<Long> REVOKED = ConcurrentHashMap.newKeySet();

    public static void revoke(long basisId) {
        REVOKED.add(basisId);
    }

    public static void reset() {
        REVOKED.clear();
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<Purpose> purposes() {
        return EnumSet.allOf(Purpose.class);
    }

    @Override
    public Map<Long, String> invalid(Collection<BasisRef> refs) {
        Map<Long, String> invalid = new HashMap<>();
        for (BasisRef ref : refs) {
            if (REVOKED.contains(ref.basisId())) {
                invalid.put(ref.basisId(), "TEST_BASIS_REVOKED");
            }
        }
        return invalid;
    }
}
