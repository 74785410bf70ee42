package dev.valjean.crm;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;

/**
 * Accounts and opportunities as the CRM knows them, upserted by external id: calling twice with
 * the same data leaves the same state. Nurture (acceleration and customer-success sequences)
 * reads whether a deal is open, who is on it, and whether an account is a customer.
 */
@ApplicationScoped
public class CrmService {

    /** An account as the CRM sends it. */
    public record AccountData(String name, boolean customer, LocalDate customerSince, String industry, Integer employeeCount,
            String country) {
    }

    /** An opportunity as the CRM sends it; {@code contacts} is the whole buying committee now. */
    public record OpportunityData(String account, String name, String stage, OpportunityStatus status, String owner,
            List<Member> contacts) {
    }

    /** One person on the buying committee; {@code timeZone} (IANA, e.g. Europe/Paris) sets when nurture may reach them. */
    public record Member(String email, String name, String role, String timeZone) {
    }

    /**
     * Fired, inside the transaction, after an upsert changed what a deal or account allows: nurture
     * ends the sequences whose basis is gone before their next step.
     */
    public record Changed(Long opportunityId, Long accountId) {
    }

    public enum OpportunityStatus {
        OPEN, WON, LOST
    }

    /** Whether an upsert created the record. */
    public record Upserted(long id, boolean created) {
    }

    private final ContactService contacts;
    private final Sql sql;
    private final Clock clock;
    private final Event<Changed> changed;

    public CrmService(ContactService contacts, Sql sql, Clock clock, Event<Changed> changed) {
        this.contacts = contacts;
        this.sql = sql;
        this.clock = clock;
        this.changed = changed;
    }

    @Transactional
    public Upserted putAccount(String externalId, AccountData a) {
        return putAccount(externalId, a, clock.instant());
    }

    /**
     * The account as it was at {@code asOf} (when the CRM says the change happened); 409
     * STALE_EVENT, changing nothing, when what is stored is newer.
     */
    @Transactional
    public Upserted putAccount(String externalId, AccountData a, Instant asOf) {
        Instant now = clock.instant();
        if (!a.customer() && a.customerSince() != null) {
            throw ValjeanException.invalid("CUSTOMER_SINCE_WITHOUT_CUSTOMER", "customerSince is only for customers.");
        }
        Map<String, Object> row = sql.rows("""
                INSERT INTO account (external_id, name, customer, customer_since, industry, employee_count, country, created_at,
                                     updated_at, crm_event_at)
                VALUES (?, ?, ?, ?::date, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (external_id) DO UPDATE SET name = EXCLUDED.name, customer = EXCLUDED.customer,
                    customer_since = EXCLUDED.customer_since, industry = EXCLUDED.industry,
                    employee_count = EXCLUDED.employee_count, country = EXCLUDED.country, updated_at = EXCLUDED.updated_at,
                    crm_event_at = EXCLUDED.crm_event_at
                    WHERE account.crm_event_at IS NULL OR account.crm_event_at <= EXCLUDED.crm_event_at
                RETURNING id, (xmax = 0) AS created""",
                externalId, a.name().strip(), a.customer(), a.customerSince() == null ? null : a.customerSince().toString(),
                a.industry(), a.employeeCount(), a.country(), now, now, asOf).stream().findFirst()
                .orElseThrow(() -> stale("account", externalId));
        long id = ((Number) row.get("id")).longValue();
        changed.fire(new Changed(null, id));
        return new Upserted(id, (Boolean) row.get("created"));
    }

    @Transactional
    public Upserted putOpportunity(String externalId, OpportunityData o) {
        return putOpportunity(externalId, o, clock.instant());
    }

    /** The opportunity as it was at {@code asOf}; 409 STALE_EVENT, changing nothing, when what is stored is newer. */
    @Transactional
    public Upserted putOpportunity(String externalId, OpportunityData o, Instant asOf) {
        Long accountId = sql.firstLong("SELECT id FROM account WHERE external_id = ?", o.account())
                .orElseThrow(() -> ValjeanException.invalid("UNKNOWN_ACCOUNT", "There is no account '" + o.account()
                        + "'; PUT it to /api/v1/accounts/{externalId} first."));
        Instant now = clock.instant();
        // closed_at keeps the moment the deal first closed; reopening clears it.
        Map<String, Object> row = sql.rows("""
                INSERT INTO opportunity (external_id, account_id, name, stage, status, owner, closed_at, created_at, updated_at,
                                         crm_event_at)
                VALUES (?, ?, ?, ?, ?, ?, CASE WHEN ? = 'OPEN' THEN NULL ELSE ?::timestamptz END, ?, ?, ?)
                ON CONFLICT (external_id) DO UPDATE SET account_id = EXCLUDED.account_id, name = EXCLUDED.name,
                    stage = EXCLUDED.stage, status = EXCLUDED.status, owner = EXCLUDED.owner,
                    closed_at = CASE WHEN EXCLUDED.status = 'OPEN' THEN NULL
                                     ELSE COALESCE(opportunity.closed_at, EXCLUDED.closed_at) END,
                    updated_at = EXCLUDED.updated_at, crm_event_at = EXCLUDED.crm_event_at
                    WHERE opportunity.crm_event_at IS NULL OR opportunity.crm_event_at <= EXCLUDED.crm_event_at
                RETURNING id, (xmax = 0) AS created""",
                externalId, accountId, o.name().strip(), o.stage(), o.status(), o.owner(), o.status().name(), now, now, now, asOf)
                .stream().findFirst().orElseThrow(() -> stale("opportunity", externalId));
        long id = ((Number) row.get("id")).longValue();
        List<Member> members = o.contacts() == null ? List.of() : o.contacts();
        Map<Long, String> committee = new LinkedHashMap<>();
        for (Member m : members) {
            String zone = timeZone(m);
            Contact contact = contacts.findOrCreate(EmailAddress.parse(m.email()), m.name());
            committee.put(contact.id, m.role());
            if (zone != null) {
                sql.update("UPDATE contact SET time_zone = ? WHERE id = ?", zone, contact.id);
            }
        }
        sql.update("DELETE FROM opportunity_contact WHERE opportunity_id = ? AND NOT (contact_id = ANY(?))", id,
                List.copyOf(committee.keySet()));
        for (var member : committee.entrySet()) {
            sql.update("""
                    INSERT INTO opportunity_contact (opportunity_id, contact_id, role) VALUES (?, ?, ?)
                    ON CONFLICT (opportunity_id, contact_id) DO UPDATE SET role = EXCLUDED.role""", id, member.getKey(),
                    member.getValue());
        }
        changed.fire(new Changed(id, accountId));
        return new Upserted(id, (Boolean) row.get("created"));
    }

    private static ValjeanException stale(String what, String externalId) {
        return ValjeanException.conflict("STALE_EVENT", "The " + what + " '" + externalId
                + "' has a newer change already; this older one was not applied.");
    }

    private static String timeZone(Member m) {
        if (m.timeZone() == null || m.timeZone().isBlank()) {
            return null;
        }
        try {
            return ZoneId.of(m.timeZone().strip()).getId();
        } catch (DateTimeException e) {
            throw ValjeanException.invalid("INVALID_TIME_ZONE", "'" + m.timeZone() + "' is not a time zone; use an IANA name such as Europe/Paris.");
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<AccountView> account(String externalId) {
        return sql.rows("""
                SELECT external_id, name, customer, customer_since::text AS customer_since, industry, employee_count, country,
                       created_at, updated_at
                FROM account WHERE external_id = ?""", externalId).stream().findFirst()
                .map(r -> new AccountView((String) r.get("external_id"), (String) r.get("name"), (Boolean) r.get("customer"),
                        (String) r.get("customer_since"), (String) r.get("industry"),
                        r.get("employee_count") == null ? null : ((Number) r.get("employee_count")).intValue(), (String) r.get("country"),
                        (java.time.Instant) r.get("created_at"), (java.time.Instant) r.get("updated_at")));
    }

    /** The people of an account: everyone on any of its deals (their role on the newest one), by address. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<MemberView> accountMembers(String externalId) {
        return sql.rows("""
                SELECT DISTINCT ON (c.email) c.email, c.name, oc.role, c.time_zone
                FROM account a JOIN opportunity o ON o.account_id = a.id JOIN opportunity_contact oc ON oc.opportunity_id = o.id
                JOIN contact c ON c.id = oc.contact_id
                WHERE a.external_id = ? AND c.erased_at IS NULL ORDER BY c.email, o.updated_at DESC LIMIT 500""", externalId).stream()
                .map(m -> new MemberView((String) m.get("email"), (String) m.get("name"), (String) m.get("role"), (String) m.get("time_zone")))
                .toList();
    }

    /** Someone on a deal, to preview a sequence's emails as they would receive them. */
    public record PreviewPerson(String email, String name, String deal, String dealName, String owner) {
        /** How the editor's select names this person on this deal. */
        public String key() {
            return email + "|" + deal;
        }
    }

    /** The people on the most recently active open deals (at most {@code limit}), to pick one for a preview. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<PreviewPerson> previewPeople(int limit) {
        return sql.rows("""
                SELECT c.email, c.name, o.external_id, o.name AS deal_name, o.owner
                FROM (SELECT id, external_id, name, owner, updated_at FROM opportunity WHERE status = 'OPEN' ORDER BY updated_at DESC LIMIT ?) o
                JOIN opportunity_contact oc ON oc.opportunity_id = o.id JOIN contact c ON c.id = oc.contact_id
                WHERE c.erased_at IS NULL ORDER BY o.updated_at DESC, c.email LIMIT ?""", limit, limit).stream()
                .map(r -> new PreviewPerson((String) r.get("email"), (String) r.get("name"), (String) r.get("external_id"),
                        (String) r.get("deal_name"), (String) r.get("owner"))).toList();
    }

    /** An account as the CRM sent it. */
    public record AccountView(String externalId, String name, boolean customer, String customerSince, String industry, Integer employeeCount,
            String country, java.time.Instant createdAt, java.time.Instant updatedAt) {
    }

    /** An opportunity with its buying committee. */
    public record OpportunityView(String externalId, String account, String name, String stage, String status, String owner,
            java.time.Instant closedAt, java.time.Instant createdAt, java.time.Instant updatedAt, List<MemberView> contacts, String accountName) {
    }

    /** A member of a buying committee, with the time zone their emails are timed in (null: the default). */
    public record MemberView(String email, String name, String role, String timeZone) {
    }

    /** A deal on the sales list. */
    public record DealLine(String externalId, String name, String account, String stage, String status, String owner, int members,
            java.time.Instant updatedAt) {
    }

    /**
     * Deals, newest activity first: open ones (closed too on request), those of one owner, those
     * of one account; at most {@code limit}.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<DealLine> deals(String owner, String account, boolean closedToo, int limit) {
        // Conditions only for the filters chosen, so each shape of the query can use its index (open ones: a partial one).
        List<String> where = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (!closedToo) {
            where.add("o.status = 'OPEN'");
        }
        if (owner != null) {
            where.add("lower(o.owner) = lower(?)");
            params.add(owner);
        }
        if (account != null) {
            where.add("o.account_id = (SELECT id FROM account WHERE external_id = ?)");
            params.add(account);
        }
        params.add(Math.max(1, Math.min(limit, 500)));
        return sql.rows("""
                SELECT o.external_id, o.name, a.name AS account, o.stage, o.status, o.owner, o.updated_at,
                       (SELECT count(*) FROM opportunity_contact oc WHERE oc.opportunity_id = o.id) AS members
                FROM opportunity o JOIN account a ON a.id = o.account_id
                WHERE\s""" + (where.isEmpty() ? "true" : String.join(" AND ", where)) + " ORDER BY o.updated_at DESC, o.id DESC LIMIT ?",
                params.toArray()).stream().map(r -> new DealLine((String) r.get("external_id"), (String) r.get("name"), (String) r.get("account"),
                        (String) r.get("stage"), (String) r.get("status"), (String) r.get("owner"), ((Number) r.get("members")).intValue(),
                        (java.time.Instant) r.get("updated_at")))
                .toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<OpportunityView> opportunity(String externalId) {
        return sql.rows("""
                SELECT o.id, o.external_id, a.external_id AS account, a.name AS account_name, o.name, o.stage, o.status, o.owner, o.closed_at,
                       o.created_at, o.updated_at
                FROM opportunity o JOIN account a ON a.id = o.account_id WHERE o.external_id = ?""", externalId)
                .stream().findFirst().map(o -> new OpportunityView((String) o.get("external_id"), (String) o.get("account"),
                        (String) o.get("name"), (String) o.get("stage"), (String) o.get("status"), (String) o.get("owner"),
                        (java.time.Instant) o.get("closed_at"), (java.time.Instant) o.get("created_at"), (java.time.Instant) o.get("updated_at"),
                        sql.rows("""
                                SELECT c.email, c.name, oc.role, c.time_zone FROM opportunity_contact oc JOIN contact c ON c.id = oc.contact_id
                                WHERE oc.opportunity_id = ? ORDER BY c.email""", o.get("id")).stream()
                                .map(m -> new MemberView((String) m.get("email"), (String) m.get("name"), (String) m.get("role"),
                                        (String) m.get("time_zone"))).toList(), (String) o.get("account_name")));
    }
}
