package dev.valjean.privacy;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.consent.ConsentLedger;
import dev.valjean.consent.LedgerEvent;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.nurture.NurtureService;

/**
 * Data rights: the consent proof per subscription, the export of everything held about a person,
 * and erasure, which keeps only the keyed hash on the suppression list and the anonymous ledger
 * events (so counts stay true).
 */
@ApplicationScoped
public class ContactDataService {

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;

    private final ContactService contacts;
    private final SuppressionService suppressions;
    private final ConsentLedger ledger;
    private final Sql sql;
    private final Clock clock;
    private final NurtureService nurture;

    public ContactDataService(ContactService contacts, SuppressionService suppressions, ConsentLedger ledger, Sql sql, Clock clock,
            NurtureService nurture) {
        this.contacts = contacts;
        this.suppressions = suppressions;
        this.ledger = ledger;
        this.sql = sql;
        this.clock = clock;
        this.nurture = nurture;
    }

    /** Per subscription: newsletter, status, times, the consent text shown, and every ledger event with its evidence. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<String, Object> consentProof(String email) {
        Contact contact = find(email);
        Map<String, Object> proof = new LinkedHashMap<>();
        proof.put("email", contact.email);
        proof.put("erased", contact.isErased());
        proof.put("subscriptions", subscriptions(contact.id));
        proof.put("generatedAt", clock.instant());
        return proof;
    }

    /** Everything held about the person, as JSON-ready maps. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<String, Object> export(String email) {
        Contact contact = find(email);
        Map<String, Object> export = new LinkedHashMap<>();
        Map<String, Object> person = new LinkedHashMap<>();
        person.put("email", contact.email);
        person.put("name", contact.name);
        person.put("createdAt", contact.createdAt);
        person.put("erasedAt", contact.erasedAt);
        export.put("contact", person);
        export.put("subscriptions", subscriptions(contact.id));
        export.put("requests", sql.rows("""
                SELECT r.created_at AS "createdAt", r.source, r.page, r.ip, r.user_agent AS "userAgent", r.name,
                       r.expires_at AS "expiresAt", r.confirmed_at AS "confirmedAt", r.expired_at AS "expiredAt"
                FROM subscription_request r WHERE r.contact_id = ? ORDER BY r.id""", contact.id));
        export.put("messages", sql.rows("""
                SELECT o.id, o.purpose, o.subject, o.status, o.status_reason AS "statusReason", o.created_at AS "createdAt",
                       o.sent_at AS "sentAt", o.message_id AS "messageId"
                FROM outbox o WHERE o.contact_id = ? ORDER BY o.id""", contact.id));
        export.put("suppressions", sql.rows("""
                SELECT reason, created_at AS "createdAt" FROM suppression WHERE email_hash = ? ORDER BY created_at""",
                contact.emailHash));
        export.put("timeZone", sql.rows("SELECT time_zone FROM contact WHERE id = ?", contact.id).get(0).get("time_zone"));
        // What Valjean's people and tokens did about this person (enrollments started or stopped, an erasure).
        export.put("audit", sql.rows("""
                SELECT a.at, a.actor_name AS actor, a.action, a.object_type AS "objectType", a.object_id AS "objectId", a.detail::text AS detail
                FROM audit_event a
                WHERE (a.object_type = 'contact' AND a.object_id = ?)
                   OR (a.object_type = 'enrollment' AND a.object_id IN (SELECT e.id::text FROM enrollment e WHERE e.contact_id = ?))
                ORDER BY a.id""", String.valueOf(contact.id), contact.id));
        export.put("opportunities", sql.rows("""
                SELECT o.external_id AS opportunity, a.name AS account, oc.role FROM opportunity_contact oc
                JOIN opportunity o ON o.id = oc.opportunity_id JOIN account a ON a.id = o.account_id
                WHERE oc.contact_id = ? ORDER BY o.id""", contact.id));
        export.put("enrollments", sql.rows("""
                SELECT q.name AS sequence, q.purpose, e.status, e.ended_reason AS "endedReason", e.created_at AS "createdAt",
                       e.ended_at AS "endedAt" FROM enrollment e JOIN sequence q ON q.id = e.sequence_id
                WHERE e.contact_id = ? ORDER BY e.id""", contact.id));
        export.put("formSubmissions", sql.rows("""
                SELECT f.name AS form, f.kind, s.fields::text AS fields, s.ip, s.user_agent AS "userAgent", s.created_at AS "createdAt"
                FROM form_submission s JOIN form f ON f.id = s.form_id WHERE s.contact_id = ? ORDER BY s.id""", contact.id));
        export.put("salesRequests", sql.rows("""
                SELECT r.kind, r.qualified, r.fit_reasons AS "fitReasons", r.webhook_status AS "webhookStatus",
                       r.created_at AS "createdAt", r.posted_at AS "postedAt"
                FROM sales_request r WHERE r.contact_id = ? ORDER BY r.id""", contact.id));
        export.put("nurtureOptOut", sql.rows("SELECT created_at AS \"createdAt\" FROM nurture_opt_out WHERE email_hash = ?",
                contact.emailHash).stream().findFirst().map(r -> r.get("createdAt")).orElse(null));
        export.put("exportedAt", clock.instant());
        return export;
    }

    /**
     * Erases the person's data. The address's keyed hash goes on the suppression list (so no
     * import brings them back); ledger events stay, anonymous, with an ERASED event per subscription.
     */
    @Transactional
    public void erase(String email) {
        Contact contact = find(email);
        if (contact.isErased()) {
            return;
        }
        Instant now = clock.instant();
        audit.record("contact.erased", "contact", contact.id, java.util.Map.of());
        suppressions.suppressHash(contact.emailHash, SuppressionReason.ERASURE, "erasure request");
        for (Map<String, Object> s : sql.rows("SELECT id, newsletter_id FROM subscription WHERE contact_id = ?", contact.id)) {
            ledger.append(ConsentLedger.Entry.of(LedgerEvent.ERASED, contact.id, ((Number) s.get("newsletter_id")).longValue(),
                    "ERASURE"));
        }
        sql.update("""
                UPDATE subscription SET status = 'UNSUBSCRIBED', unsubscribed_at = ?, updated_at = ?
                WHERE contact_id = ? AND status IN ('CONFIRMED', 'PENDING')""", now, now, contact.id);
        sql.update("DELETE FROM consent_evidence WHERE event_id IN (SELECT id FROM consent_event WHERE contact_id = ?)", contact.id);
        sql.update("""
                UPDATE subscription_request SET ip = NULL, user_agent = NULL, name = NULL, page = NULL,
                    purged_at = ?, expired_at = COALESCE(expired_at, CASE WHEN confirmed_at IS NULL THEN ? END)
                WHERE contact_id = ?""", now, now, contact.id);
        sql.update("""
                UPDATE outbox SET status = CASE WHEN status = 'QUEUED' THEN 'SKIPPED' ELSE status END,
                    status_reason = CASE WHEN status = 'QUEUED' THEN 'ERASED' ELSE status_reason END,
                    subject = NULL, body_text = NULL, body_html = NULL, last_reply = NULL, content_ref = 'erased',
                    updated_at = ?
                WHERE contact_id = ? AND status <> 'SENDING'""", now, contact.id);
        // Sequences end, and the person leaves the CRM's buying committees here (the CRM keeps its own records).
        nurture.endAllOf(contact.id, "ERASED");
        sql.update("DELETE FROM opportunity_contact WHERE contact_id = ?", contact.id);
        // What they typed into forms (fields, IP, user agent) and the sales requests made of it.
        sql.update("DELETE FROM sales_request WHERE contact_id = ?", contact.id);
        sql.update("DELETE FROM form_submission WHERE contact_id = ?", contact.id);
        sql.update("UPDATE contact SET time_zone = NULL WHERE id = ?", contact.id);
        contact.email = null;
        contact.emailNormalized = null;
        contact.name = null;
        contact.erasedAt = now;
    }

    private List<Map<String, Object>> subscriptions(long contactId) {
        List<Map<String, Object>> subscriptions = sql.rows("""
                SELECT s.id, n.slug AS newsletter, n.name AS "newsletterName", s.status, s.source,
                       s.requested_at AS "requestedAt", s.confirmed_at AS "confirmedAt", s.unsubscribed_at AS "unsubscribedAt",
                       t.version AS "consentVersion", t.text AS "consentText", s.newsletter_id
                FROM subscription s JOIN newsletter n ON n.id = s.newsletter_id
                LEFT JOIN consent_text t ON t.id = s.consent_text_id
                WHERE s.contact_id = ? ORDER BY s.id""", contactId);
        for (Map<String, Object> s : subscriptions) {
            Object newsletterId = s.remove("newsletter_id");
            s.remove("id");
            s.put("events", sql.rows("""
                    SELECT e.event, e.occurred_at AS "at", e.source, e.page, v.ip, v.user_agent AS "userAgent",
                           t.version AS "consentVersion", t.text AS "consentText",
                           e.evidence_at AS "evidenceAt", e.evidence_text AS "evidenceText", e.detail
                    FROM consent_event e
                    LEFT JOIN consent_evidence v ON v.event_id = e.id
                    LEFT JOIN consent_text t ON t.id = e.consent_text_id
                    WHERE e.contact_id = ? AND e.newsletter_id = ? ORDER BY e.id""", contactId, newsletterId));
        }
        return subscriptions;
    }

    private Contact find(String email) {
        EmailAddress address;
        try {
            address = EmailAddress.parse(email);
        } catch (ValjeanException e) {
            throw ValjeanException.notFound("A contact with this address");
        }
        return Contact.findByHash(contacts.hashOf(address))
                .orElseThrow(() -> ValjeanException.notFound("A contact with this address"));
    }
}
