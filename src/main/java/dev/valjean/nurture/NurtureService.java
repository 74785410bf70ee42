package dev.valjean.nurture;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;

/**
 * Sequences and enrollments. Enrolling is one person at a time, by sales, and only when the
 * person is already in a conversation: on the named open opportunity (acceleration) or at a
 * customer account (customer success), and neither opted out nor suppressed.
 */
@ApplicationScoped
public class NurtureService {

    /** One step: wait this long after the previous one (or the enrollment), then send this. */
    public record Step(Integer delayHours, String subject, String body) {
    }

    private final ContactService contacts;
    private final ObjectMapper json;
    private final Sql sql;
    private final Clock clock;

    public NurtureService(ContactService contacts, ObjectMapper json, Sql sql, Clock clock) {
        this.contacts = contacts;
        this.json = json;
        this.sql = sql;
        this.clock = clock;
    }

    @Transactional
    public long createSequence(String name, SequencePurpose purpose, List<Step> steps) {
        if (steps == null || steps.isEmpty() || steps.size() > 20) {
            throw ValjeanException.invalid("STEP_COUNT", "A sequence has 1 to 20 steps.");
        }
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (s == null || s.delayHours() == null || s.delayHours() < 0 || s.delayHours() > 24 * 90 || blank(s.subject())
                    || s.subject().length() > 150 || s.subject().chars().anyMatch(Character::isISOControl) || blank(s.body())
                    || s.body().length() > 3000) {
                throw ValjeanException.invalid("INVALID_STEP", "Step " + i + " needs delayHours (0 to 2160), a one-line subject "
                        + "of at most 150 characters and a body of at most 3000.");
            }
        }
        try {
            return sql.firstLong("INSERT INTO sequence (name, purpose, steps, created_at) VALUES (?, ?, ?::jsonb, ?) RETURNING id",
                    name.strip(), purpose, json.writeValueAsString(steps), clock.instant()).orElseThrow();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Enrolls one person, or refuses with 422 and a code: NO_OPEN_OPPORTUNITY, NOT_ON_OPPORTUNITY,
     * NOT_A_CUSTOMER, OPTED_OUT, SUPPRESSED (or 409 ALREADY_ENROLLED).
     */
    @Transactional
    public long enroll(long sequenceId, String email, String opportunityExternalId, Long tokenId) {
        Map<String, Object> sequence = sql.rows("SELECT purpose, steps::text AS steps FROM sequence WHERE id = ?", sequenceId)
                .stream().findFirst().orElseThrow(() -> ValjeanException.notFound("Sequence " + sequenceId));
        SequencePurpose purpose = SequencePurpose.valueOf((String) sequence.get("purpose"));
        EmailAddress address = EmailAddress.parse(email);
        Optional<Contact> contact = Contact.findByHash(contacts.hashOf(address));
        Long opportunityId = null;
        Long accountId = null;
        if (purpose == SequencePurpose.SALES_ACCELERATION) {
            if (opportunityExternalId == null) {
                throw refuse("NO_OPEN_OPPORTUNITY", "An acceleration sequence runs on one open opportunity; name it.");
            }
            Optional<Map<String, Object>> opp = sql.rows("SELECT id, status FROM opportunity WHERE external_id = ?",
                    opportunityExternalId).stream().findFirst();
            if (opp.isEmpty() || !"OPEN".equals(opp.get().get("status"))) {
                throw refuse("NO_OPEN_OPPORTUNITY", "Opportunity '" + opportunityExternalId + "' is "
                        + (opp.isEmpty() ? "unknown" : opp.get().get("status")) + "; sequences run on open deals only.");
            }
            opportunityId = ((Number) opp.get().get("id")).longValue();
            boolean onIt = contact.isPresent() && sql.firstLong(
                    "SELECT count(*) FROM opportunity_contact WHERE opportunity_id = ? AND contact_id = ?", opportunityId,
                    contact.get().id).orElse(0L) > 0;
            if (!onIt) {
                throw refuse("NOT_ON_OPPORTUNITY", "This person is not on the buying committee of '" + opportunityExternalId + "'.");
            }
        } else {
            accountId = contact.isEmpty() ? null : sql.firstLong("""
                    SELECT a.id FROM opportunity_contact oc JOIN opportunity o ON o.id = oc.opportunity_id
                    JOIN account a ON a.id = o.account_id WHERE oc.contact_id = ? AND a.customer ORDER BY a.id LIMIT 1""",
                    contact.get().id).orElse(null);
            if (accountId == null) {
                throw refuse("NOT_A_CUSTOMER", "This person does not belong to a customer account.");
            }
        }
        List<String> reasons = sql.rows("SELECT reason FROM suppression WHERE email_hash = ?", contacts.hashOf(address)).stream()
                .map(r -> (String) r.get("reason")).toList();
        if (reasons.contains("GLOBAL_OPT_OUT")) {
            throw refuse("OPTED_OUT", "This person opted out of all email from us.");
        }
        if (!reasons.isEmpty() || contact.get().isErased()) {
            throw refuse("SUPPRESSED", "This address is suppressed (" + String.join(", ", reasons) + ").");
        }
        if (sql.firstLong("SELECT count(*) FROM enrollment WHERE sequence_id = ? AND contact_id = ? AND status = 'ACTIVE'",
                sequenceId, contact.get().id).orElse(0L) > 0) {
            throw ValjeanException.conflict("ALREADY_ENROLLED", "This person is in this sequence already.");
        }
        int firstDelay = firstDelayHours((String) sequence.get("steps"));
        Instant now = clock.instant();
        return sql.firstLong("""
                INSERT INTO enrollment (sequence_id, contact_id, opportunity_id, account_id, status, next_step, next_due_at,
                                        enrolled_by, created_at)
                VALUES (?, ?, ?, ?, 'ACTIVE', 0, ?, ?, ?) RETURNING id""", sequenceId, contact.get().id, opportunityId, accountId,
                now.plus(Duration.ofHours(firstDelay)), tokenId, now).orElseThrow();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Map<String, Object>> enrollments(String opportunityExternalId, String email) {
        Long contactId = email == null ? null
                : Contact.findByHash(contacts.hashOf(EmailAddress.parse(email))).map(c -> c.id).orElse(-1L);
        return sql.rows("""
                SELECT e.id, e.sequence_id AS "sequence", c.email, o.external_id AS opportunity, e.status, e.ended_reason AS "endedReason",
                       e.next_step AS "nextStep", e.next_due_at AS "nextDueAt", e.created_at AS "createdAt", e.ended_at AS "endedAt"
                FROM enrollment e JOIN contact c ON c.id = e.contact_id LEFT JOIN opportunity o ON o.id = e.opportunity_id
                WHERE (?::text IS NULL OR o.external_id = ?::text) AND (?::bigint IS NULL OR e.contact_id = ?::bigint)
                ORDER BY e.id""", opportunityExternalId, opportunityExternalId, contactId, contactId);
    }

    private int firstDelayHours(String steps) {
        try {
            return json.readTree(steps).get(0).path("delayHours").asInt(0);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ValjeanException refuse(String code, String detail) {
        return ValjeanException.invalid(code, detail);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
