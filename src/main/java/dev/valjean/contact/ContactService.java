package dev.valjean.contact;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;

@ApplicationScoped
public class ContactService {

    private final Signing signing;
    private final Clock clock;

    public ContactService(Signing signing, Clock clock) {
        this.signing = signing;
        this.clock = clock;
    }

    public String hashOf(EmailAddress address) {
        return signing.emailHash(address.normalized());
    }

    /**
     * The contact for this address, created if new. An erased contact is not revived here: the
     * caller decides whether the person has explicitly come back (a new double opt-in).
     */
    @Transactional
    public Contact findOrCreate(EmailAddress address, String name) {
        String hash = hashOf(address);
        // ON CONFLICT (any of its unique keys: the hash and the normalized address name the same person) makes two
        // concurrent first requests for one address meet on one row.
        Contact.getEntityManager().createNativeQuery("""
                INSERT INTO contact (email, email_normalized, email_hash, name, created_at)
                VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING""")
                .setParameter(1, address.typed())
                .setParameter(2, address.normalized())
                .setParameter(3, hash)
                .setParameter(4, name)
                .setParameter(5, clock.instant())
                .executeUpdate();
        return Contact.findByHash(hash).orElseThrow();
    }
}
