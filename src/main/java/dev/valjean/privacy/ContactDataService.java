package dev.valjean.privacy;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Sql;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.consent.ConsentLedger;
import dev.valjean.consent.LedgerEvent;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.delivery.OutboxRepository;
import dev.valjean.nurture.NurtureService;
import io.quarkus.qute.TemplateData;

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

    private final dev.valjean.events.Events events;

    public ContactDataService(ContactService contacts, SuppressionService suppressions, ConsentLedger ledger, Sql sql, Clock clock,
            NurtureService nurture, dev.valjean.events.Events events) {
        this.events = events;
        this.contacts = contacts;
        this.suppressions = suppressions;
        this.ledger = ledger;
        this.sql = sql;
        this.clock = clock;
        this.nurture = nurture;
    }

    /** The consent record of one person: per subscription, what was shown, when, from where, and each step since. */
    @TemplateData
    public record ConsentProof(String email, boolean erased, List<SubscriptionProof> subscriptions, Instant generatedAt) {
    }

    /** One subscription with the consent text shown and every ledger event of it. */
    @TemplateData
    public record SubscriptionProof(String newsletter, String newsletterName, String status, String source, Instant requestedAt,
            Instant confirmedAt, Instant unsubscribedAt, Integer consentVersion, String consentText, List<EventProof> events) {
    }

    /** One ledger event with its evidence (IP and user agent are deleted by erasure and retention). */
    @TemplateData
    public record EventProof(String event, Instant at, String source, String page, String ip, String userAgent, Integer consentVersion,
            String consentText, Instant evidenceAt, String evidenceText, String detail) {
    }

    /** Everything held about a person (GDPR article 15). */
    public record Export(PersonPart contact, List<SubscriptionProof> subscriptions, List<RequestPart> requests, List<MessagePart> messages,
            List<SuppressionPart> suppressions, String timeZone, List<AuditPart> audit, List<DealPart> opportunities,
            List<EnrollmentPart> enrollments, List<SubmissionPart> formSubmissions, List<SalesRequestPart> salesRequests,
            Instant nurtureOptOut, List<BouncePart> bounces, Instant exportedAt) {
    }

    /** A bounce, complaint or delivery report about the person, and what Valjean did. */
    public record BouncePart(Instant at, String source, String bounceClass, String reason, String status, String diagnostic, Long outboxId,
            String action) {
    }

    public record PersonPart(String email, String name, Instant createdAt, Instant erasedAt) {
    }

    public record RequestPart(Instant createdAt, String source, String page, String ip, String userAgent, String name, Instant expiresAt,
            Instant confirmedAt, Instant expiredAt) {
    }

    public record MessagePart(long id, String purpose, String subject, String status, String statusReason, Instant createdAt, Instant sentAt,
            String messageId) {
    }

    public record SuppressionPart(String reason, Instant createdAt) {
    }

    public record AuditPart(Instant at, String actor, String action, String objectType, String objectId, String detail) {
    }

    public record DealPart(String opportunity, String account, String role) {
    }

    public record EnrollmentPart(String sequence, String purpose, String status, String endedReason, Instant createdAt, Instant endedAt) {
    }

    public record SubmissionPart(String form, String kind, String fields, String ip, String userAgent, Instant createdAt) {
    }

    public record SalesRequestPart(String kind, boolean qualified, String fitReasons, String webhookStatus, Instant createdAt, Instant postedAt) {
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public ConsentProof consentProof(String email) {
        return consentProof(find(email));
    }

    /** The consent record of the contact with this id (not erased). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public ConsentProof consentProof(long contactId) {
        return consentProof(live(contactId));
    }

    private ConsentProof consentProof(Contact contact) {
        return new ConsentProof(contact.email, contact.isErased(), subscriptions(contact.id), clock.instant());
    }

    /** Everything held about the person. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Export export(String email) {
        return export(find(email));
    }

    /** Everything held about the contact with this id (not erased). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Export export(long contactId) {
        return export(live(contactId));
    }

    private Export export(Contact contact) {
        long id = contact.id;
        return new Export(new PersonPart(contact.email, contact.name, contact.createdAt, contact.erasedAt), subscriptions(id),
                sql.rows("""
                        SELECT created_at, source, page, ip, user_agent, name, expires_at, confirmed_at, expired_at
                        FROM subscription_request WHERE contact_id = ? ORDER BY id""", id).stream()
                        .map(r -> new RequestPart(t(r, "created_at"), str(r, "source"), str(r, "page"), str(r, "ip"), str(r, "user_agent"),
                                str(r, "name"), t(r, "expires_at"), t(r, "confirmed_at"), t(r, "expired_at"))).toList(),
                sql.rows("""
                        SELECT id, purpose, subject, status, status_reason, created_at, sent_at, message_id FROM outbox
                        WHERE contact_id = ? ORDER BY id""", id).stream()
                        .map(r -> new MessagePart(((Number) r.get("id")).longValue(), str(r, "purpose"), str(r, "subject"), str(r, "status"),
                                str(r, "status_reason"), t(r, "created_at"), t(r, "sent_at"), str(r, "message_id"))).toList(),
                sql.rows("SELECT reason, created_at FROM suppression WHERE email_hash = ? ORDER BY created_at", contact.emailHash).stream()
                        .map(r -> new SuppressionPart(str(r, "reason"), t(r, "created_at"))).toList(),
                (String) sql.rows("SELECT time_zone FROM contact WHERE id = ?", id).get(0).get("time_zone"),
                // What Valjean's people and tokens did about this person (enrollments started or stopped, an erasure).
                sql.rows("""
                        SELECT a.at, a.actor_name, a.action, a.object_type, a.object_id, a.detail::text AS detail FROM audit_event a
                        WHERE (a.object_type = 'contact' AND a.object_id = ?)
                           OR (a.object_type = 'enrollment' AND a.object_id IN (SELECT e.id::text FROM enrollment e WHERE e.contact_id = ?))
                        ORDER BY a.id""", String.valueOf(id), id).stream()
                        .map(r -> new AuditPart(t(r, "at"), str(r, "actor_name"), str(r, "action"), str(r, "object_type"), str(r, "object_id"),
                                str(r, "detail"))).toList(),
                sql.rows("""
                        SELECT o.external_id, a.name, oc.role FROM opportunity_contact oc
                        JOIN opportunity o ON o.id = oc.opportunity_id JOIN account a ON a.id = o.account_id
                        WHERE oc.contact_id = ? ORDER BY o.id""", id).stream()
                        .map(r -> new DealPart(str(r, "external_id"), str(r, "name"), str(r, "role"))).toList(),
                sql.rows("""
                        SELECT q.name, q.purpose, e.status, e.ended_reason, e.created_at, e.ended_at
                        FROM enrollment e JOIN sequence q ON q.id = e.sequence_id WHERE e.contact_id = ? ORDER BY e.id""", id).stream()
                        .map(r -> new EnrollmentPart(str(r, "name"), str(r, "purpose"), str(r, "status"), str(r, "ended_reason"),
                                t(r, "created_at"), t(r, "ended_at"))).toList(),
                sql.rows("""
                        SELECT f.name, f.kind, s.fields::text AS fields, s.ip, s.user_agent, s.created_at
                        FROM form_submission s JOIN form f ON f.id = s.form_id WHERE s.contact_id = ? ORDER BY s.id""", id).stream()
                        .map(r -> new SubmissionPart(str(r, "name"), str(r, "kind"), str(r, "fields"), str(r, "ip"), str(r, "user_agent"),
                                t(r, "created_at"))).toList(),
                sql.rows("""
                        SELECT kind, qualified, fit_reasons, webhook_status, created_at, posted_at
                        FROM sales_request WHERE contact_id = ? ORDER BY id""", id).stream()
                        .map(r -> new SalesRequestPart(str(r, "kind"), Boolean.TRUE.equals(r.get("qualified")), str(r, "fit_reasons"),
                                str(r, "webhook_status"), t(r, "created_at"), t(r, "posted_at"))).toList(),
                sql.rows("SELECT created_at FROM nurture_opt_out WHERE email_hash = ?", contact.emailHash).stream().findFirst()
                        .map(r -> t(r, "created_at")).orElse(null),
                sql.rows("""
                        SELECT occurred_at, source, class, reason, status, diagnostic, outbox_id, action FROM bounce_event
                        WHERE contact_id = ? ORDER BY id DESC LIMIT 200""", id).stream()
                        .map(r -> new BouncePart(t(r, "occurred_at"), str(r, "source"), str(r, "class").toLowerCase(java.util.Locale.ROOT),
                                str(r, "reason"), str(r, "status"), str(r, "diagnostic"),
                                r.get("outbox_id") == null ? null : ((Number) r.get("outbox_id")).longValue(), str(r, "action"))).toList(),
                clock.instant());
    }

    private static String str(Map<String, Object> row, String column) {
        Object v = row.get(column);
        return v == null ? null : v.toString();
    }

    private static Instant t(Map<String, Object> row, String column) {
        return (Instant) row.get(column);
    }

    /**
     * Erases the person's data. The address's keyed hash goes on the suppression list (so no
     * import brings them back); ledger events stay, anonymous, with an ERASED event per subscription.
     */
    @Transactional
    public void erase(String email) {
        erase(find(email));
    }

    /**
     * Erases the contact with this id once the operator typed its address again: a check against
     * erasing the wrong person, not a secret.
     */
    @Transactional
    public void erase(long contactId, String typedAddress) {
        Contact contact = live(contactId);
        boolean same;
        try {
            same = contacts.hashOf(EmailAddress.parse(typedAddress == null ? "" : typedAddress)).equals(contact.emailHash);
        } catch (ValjeanException e) {
            same = false;
        }
        if (!same) {
            throw ValjeanException.invalid("ERASE_NOT_CONFIRMED", "Type the person's address exactly to erase them.");
        }
        erase(contact);
    }

    /** Contacts whose address or name starts with the query (the address as normalized, the name in any case); erased ones never. */
    public record Found(long id, String email, String name, Instant createdAt) {
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Found> search(String query, int limit) {
        String q = query == null ? "" : query.strip().toLowerCase(java.util.Locale.ROOT);
        if (q.isEmpty() || q.length() > 254) {
            return List.of();
        }
        // A prefix as a range in byte order: [q, q with its last character moved one up).
        int last = q.codePointBefore(q.length());
        int next = last + 1 >= Character.MIN_SURROGATE && last + 1 <= Character.MAX_SURROGATE ? Character.MAX_SURROGATE + 1
                : Math.min(last + 1, Character.MAX_CODE_POINT);
        String upper = q.substring(0, q.length() - Character.charCount(last)) + new String(Character.toChars(next));
        return sql.rows("""
                SELECT id, email, name, created_at FROM (
                    (SELECT id, email, name, created_at, email_normalized FROM contact
                     WHERE email_normalized COLLATE "C" >= ? AND email_normalized COLLATE "C" < ? AND erased_at IS NULL
                     ORDER BY email_normalized COLLATE "C" LIMIT ?)
                    UNION
                    (SELECT id, email, name, created_at, email_normalized FROM contact
                     WHERE lower(name) COLLATE "C" >= ? AND lower(name) COLLATE "C" < ? AND erased_at IS NULL
                     ORDER BY lower(name) COLLATE "C" LIMIT ?)) found
                ORDER BY email_normalized COLLATE "C" LIMIT ?""", q, upper, limit, q, upper, limit, limit).stream()
                .map(r -> new Found(((Number) r.get("id")).longValue(), str(r, "email"), str(r, "name"), t(r, "created_at"))).toList();
    }

    /** Someone in the console puts the person's address on the suppression list (audited); adding a reason again changes nothing. */
    @Transactional
    public void suppress(long contactId, SuppressionReason reason, String detail) {
        Contact contact = live(contactId);
        suppressions.suppressHash(contact.emailHash, reason, detail == null || detail.isBlank() ? "console" : Text.clip(detail.strip(), 500));
        audit.record("contact.suppressed", "contact", contact.id, java.util.Map.of("reason", reason.name()));
    }

    /** The address of the contact with this id; not found when there is none or they were erased. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public String addressOf(long contactId) {
        return live(contactId).email;
    }

    private Contact live(long contactId) {
        return Contact.<Contact> findByIdOptional(contactId).filter(c -> !c.isErased())
                .orElseThrow(() -> ValjeanException.notFound("This person"));
    }

    private void erase(Contact contact) {
        // told first, while the address is still there for the receiver to find the person by; nothing about them goes after
        events.erased(contact.id);
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
        // Messages being sent (leased) are left to their result. The claims under way are waited for first
        // (OutboxRepository.untilClaimed), so that the next statement sees their leases.
        OutboxRepository.untilClaimed(sql, "contact_id = ?", contact.id);
        sql.update("""
                UPDATE outbox o SET status = CASE WHEN status = 'QUEUED' THEN 'SKIPPED' ELSE status END,
                    status_reason = CASE WHEN status = 'QUEUED' THEN 'ERASED' ELSE status_reason END,
                    subject = NULL, body_text = NULL, body_html = NULL, last_reply = NULL, content_ref = 'erased',
                    updated_at = ?
                WHERE contact_id = ? AND NOT EXISTS (""" + OutboxRepository.LEASE_OF_O + ")", now, contact.id);
        // Sequences end, and the person leaves the CRM's buying committees here (the CRM keeps its own records).
        nurture.endAllOf(contact.id, "ERASED");
        sql.update("DELETE FROM opportunity_contact WHERE contact_id = ?", contact.id);
        // What they typed into forms (fields, IP, user agent) and the sales requests made of it.
        sql.update("DELETE FROM sales_request WHERE contact_id = ?", contact.id);
        sql.update("DELETE FROM form_submission WHERE contact_id = ?", contact.id);
        sql.update("UPDATE contact SET time_zone = NULL WHERE id = ?", contact.id);
        // Bounce reports name the address: the reports about them go, their events keep only class and counts (an issue's rates).
        sql.update("UPDATE bounce_report SET raw = NULL, subject = NULL WHERE id IN (SELECT report_id FROM bounce_event WHERE contact_id = ?)",
                contact.id);
        sql.update("UPDATE bounce_event SET diagnostic = NULL WHERE contact_id = ?", contact.id);
        contact.email = null;
        contact.emailNormalized = null;
        contact.name = null;
        contact.erasedAt = now;
    }

    private List<SubscriptionProof> subscriptions(long contactId) {
        List<SubscriptionProof> out = new ArrayList<>();
        for (Map<String, Object> s : sql.rows("""
                SELECT n.slug, n.name, s.status, s.source, s.requested_at, s.confirmed_at, s.unsubscribed_at, t.version, t.text,
                       s.newsletter_id
                FROM subscription s JOIN newsletter n ON n.id = s.newsletter_id
                LEFT JOIN consent_text t ON t.id = s.consent_text_id
                WHERE s.contact_id = ? ORDER BY s.id""", contactId)) {
            List<EventProof> events = sql.rows("""
                    SELECT e.event, e.occurred_at, e.source, e.page, v.ip, v.user_agent, t.version, t.text, e.evidence_at, e.evidence_text,
                           e.detail
                    FROM consent_event e
                    LEFT JOIN consent_evidence v ON v.event_id = e.id
                    LEFT JOIN consent_text t ON t.id = e.consent_text_id
                    WHERE e.contact_id = ? AND e.newsletter_id = ? ORDER BY e.id""", contactId, s.get("newsletter_id")).stream()
                    .map(e -> new EventProof(str(e, "event"), t(e, "occurred_at"), str(e, "source"), str(e, "page"), str(e, "ip"),
                            str(e, "user_agent"), e.get("version") == null ? null : ((Number) e.get("version")).intValue(), str(e, "text"),
                            t(e, "evidence_at"), str(e, "evidence_text"), str(e, "detail")))
                    .toList();
            out.add(new SubscriptionProof(str(s, "slug"), str(s, "name"), str(s, "status"), str(s, "source"), t(s, "requested_at"),
                    t(s, "confirmed_at"), t(s, "unsubscribed_at"), s.get("version") == null ? null : ((Number) s.get("version")).intValue(),
                    str(s, "text"), events));
        }
        return out;
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
