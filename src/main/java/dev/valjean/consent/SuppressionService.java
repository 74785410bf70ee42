package dev.valjean.consent;

import java.time.Clock;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.contact.ContactService;
import io.quarkus.logging.Log;

/** The address-level suppression list. Adding is idempotent; the consent gate reads it. */
@ApplicationScoped
public class SuppressionService {

    private final ContactService contacts;
    private final Clock clock;
    private final dev.valjean.events.Events events;
    private final dev.valjean.common.Sql sql;

    public SuppressionService(ContactService contacts, Clock clock, dev.valjean.events.Events events, dev.valjean.common.Sql sql) {
        this.contacts = contacts;
        this.clock = clock;
        this.events = events;
        this.sql = sql;
    }

    @Transactional
    public void suppress(EmailAddress address, SuppressionReason reason, String detail) {
        suppressHash(contacts.hashOf(address), reason, detail);
    }

    @Transactional
    public void suppressHash(String emailHash, SuppressionReason reason, String detail) {
        int added = Suppression.getEntityManager().createNativeQuery("""
                INSERT INTO suppression (email_hash, reason, detail, created_at) VALUES (?1, ?2, ?3, ?4)
                ON CONFLICT (email_hash, reason) DO NOTHING""")
                .setParameter(1, emailHash)
                .setParameter(2, reason.name())
                .setParameter(3, detail)
                .setParameter(4, clock.instant())
                .executeUpdate();
        if (added > 0) {
            Log.infof("Address suppressed: %s", reason);
            if (events.wants("contact.suppressed")) {
                sql.firstLong("SELECT id FROM contact WHERE email_hash = ? AND erased_at IS NULL", emailHash)
                        .ifPresent(contact -> events.emit("contact.suppressed", contact, java.util.Map.of("reason", reason.name())));
            }
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Suppression> reasonsFor(EmailAddress address) {
        return Suppression.forHash(contacts.hashOf(address));
    }
}
