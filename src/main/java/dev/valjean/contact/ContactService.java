package dev.valjean.contact;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;

@ApplicationScoped
public class ContactService {

    private final Signing signing;
    private final Sql sql;
    private final Clock clock;

    public ContactService(Signing signing, Sql sql, Clock clock) {
        this.signing = signing;
        this.sql = sql;
        this.clock = clock;
    }

    /** A contact locked for the rest of the transaction: its id, and whether its address is gone (erased or expired). */
    public record Locked(long id, boolean gone) {
    }

    /**
     * The contact for this address, created if new, and locked until the transaction ends, in one
     * round trip: concurrent callers for one address take turns. An erased contact is not revived
     * here ({@link #revive}). Reads no entity: whoever needs one loads it after the lock.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Locked lockOrCreate(EmailAddress address) {
        // ON CONFLICT ... DO UPDATE locks the existing row as FOR UPDATE would, and the update changes nothing
        // (the same value in the same column, so no new index entry). The hash and the normalized address are
        // unique together: the hash is taken of the normalized address, so a conflict on one is one on both.
        var row = sql.rows("""
                INSERT INTO contact (email, email_normalized, email_hash, created_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (email_hash) DO UPDATE SET email_hash = contact.email_hash
                RETURNING id, email IS NULL OR erased_at IS NOT NULL AS gone""",
                address.typed(), address.normalized(), hashOf(address), clock.instant()).get(0);
        return new Locked(((Number) row.get("id")).longValue(), (Boolean) row.get("gone"));
    }

    /**
     * Gives a locked contact whose address was erased or expired its address back: the person has
     * explicitly come back (a new sign-up, confirmed or not; if it is never confirmed, retention
     * removes the address again). Nothing else of theirs is restored.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void revive(long id, EmailAddress address) {
        Contact contact = Contact.findById(id);
        // the entity may have been read earlier in this transaction, before the lock
        Contact.getEntityManager().refresh(contact);
        contact.email = address.typed();
        contact.emailNormalized = address.normalized();
        contact.erasedAt = null;
        Contact.getEntityManager().flush(); // the consent gate reads the contact with plain SQL
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
