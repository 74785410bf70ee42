package dev.valjean.contact;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;

@ApplicationScoped
public class ContactService {

    private static final int LOCK_ATTEMPTS = 3;

    private final Signing signing;
    private final Sql sql;
    private final Clock clock;

    public ContactService(Signing signing, Sql sql, Clock clock) {
        this.signing = signing;
        this.sql = sql;
        this.clock = clock;
    }

    /**
     * A contact locked for the rest of the transaction: its id, whether its address is gone (erased
     * or expired), and whether this transaction created it (so nothing else refers to it yet).
     */
    public record Locked(long id, boolean gone, boolean created) {
    }

    /**
     * The contact for this address, created if new, and locked until the transaction ends, in one
     * round trip: concurrent callers for one address take turns. An erased contact is not revived
     * here ({@link #revive}). Reads no entity: whoever needs one loads it after the lock.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Locked lockOrCreate(EmailAddress address) {
        return lockOrCreate(address, null).contact();
    }

    /** A contact locked, and the rows of the query the caller sent with the lock. */
    public record LockedWith(Locked contact, List<Map<String, Object>> along) {
    }

    /**
     * {@link #lockOrCreate(EmailAddress)} with a query of the caller's in the same round trip, run
     * after the lock ({@code along}, or null for none; sent once, with the first attempt).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public LockedWith lockOrCreate(EmailAddress address, Sql.Query along) {
        // DO NOTHING without a target treats both unique indexes (hash and normalized address) as arbiters, so
        // two first inserts for one address that race past the check meet there: the later one waits for the
        // earlier and does nothing. (A DO UPDATE must name one index, and the other then fails with 23505.)
        // When nothing was inserted, the same statement locks the existing row, if its snapshot can see it.
        // A row committed by a concurrent first insert after that snapshot was taken cannot be; the statement is
        // then run again, with a new snapshot.
        String hash = hashOf(address);
        List<Map<String, Object>> alongRows = null;
        for (int attempt = 1; attempt <= LOCK_ATTEMPTS; attempt++) {
            Sql.Query lock = new Sql.Query("""
                    WITH inserted AS (
                        INSERT INTO contact (email, email_normalized, email_hash, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT DO NOTHING RETURNING id)
                    SELECT id, false AS gone, true AS created FROM inserted
                    UNION ALL
                    SELECT id, gone, false FROM (
                        SELECT id, email IS NULL OR erased_at IS NOT NULL AS gone FROM contact
                        WHERE email_hash = ? AND NOT EXISTS (SELECT 1 FROM inserted) FOR UPDATE) existing""",
                    address.typed(), address.normalized(), hash, clock.instant(), hash);
            var rows = sql.all(along == null || alongRows != null ? List.of(lock) : List.of(lock, along));
            if (along != null && alongRows == null) {
                alongRows = rows.get(1);
            }
            if (!rows.get(0).isEmpty()) {
                var row = rows.get(0).get(0);
                return new LockedWith(new Locked(((Number) row.get("id")).longValue(), (Boolean) row.get("gone"),
                        (Boolean) row.get("created")), alongRows);
            }
        }
        // Only a contact holding this normalized address under another hash gets here: the hash key was changed.
        throw new IllegalStateException("No contact could be created or locked for this address in " + LOCK_ATTEMPTS
                + " attempts: another contact holds the address under a different hash");
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
