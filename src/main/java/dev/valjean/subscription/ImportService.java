package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Problem;
import dev.valjean.common.Sql;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.consent.ConsentLedger;
import dev.valjean.consent.LedgerEvent;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.newsletter.Newsletter;

/**
 * Moving an existing list in, with evidence only. Every row must say when the person consented,
 * where, to which text, and when they confirmed it (a double opt-in elsewhere); an address on the
 * suppression list (opted out, bounced, complained, erased) is refused. One bad row refuses the
 * whole file with a per-row report, so an import either lands whole or changes nothing. An import
 * never sends email.
 */
@ApplicationScoped
public class ImportService {

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;

    /** What a successful import did. */
    public record Report(int imported, int alreadySubscribed, int rows) {
    }

    /** One row's refusal. */
    public static class Refused extends ValjeanException {
        private final List<Problem.FieldError> errors;

        Refused(List<Problem.FieldError> errors) {
            super(422, "IMPORT_REFUSED", "Import refused", errors.size() + " problem(s) with rows that lack evidence or are not allowed; nothing was imported.");
            this.errors = errors;
        }

        @Override
        public List<Problem.FieldError> errors() {
            return errors;
        }
    }

    public static final int MAX_ROWS = 50_000;
    static final List<String> REQUIRED = List.of("email", "consented_at", "consent_source", "consent_text", "confirmed_at");

    private final ContactService contacts;
    private final ConsentLedger ledger;
    private final Sql sql;
    private final Clock clock;

    public ImportService(ContactService contacts, ConsentLedger ledger, Sql sql, Clock clock) {
        this.contacts = contacts;
        this.ledger = ledger;
        this.sql = sql;
        this.clock = clock;
    }

    @Transactional
    public Report importCsv(String slug, String csv) {
        Newsletter newsletter = Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
        List<List<String>> table = Csv.parse(csv == null ? "" : csv);
        if (table.isEmpty()) {
            throw ValjeanException.invalid("EMPTY_IMPORT", "The CSV has no header row.");
        }
        List<String> header = table.get(0).stream().map(h -> h.strip().toLowerCase(java.util.Locale.ROOT)).toList();
        List<String> missing = REQUIRED.stream().filter(c -> !header.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw ValjeanException.invalid("IMPORT_COLUMNS_MISSING", "The CSV needs the columns " + REQUIRED
                    + " (optional: name, ip); missing: " + missing + ".");
        }
        if (table.size() - 1 > MAX_ROWS) {
            throw ValjeanException.invalid("IMPORT_TOO_LARGE", "One import takes at most " + MAX_ROWS + " rows.");
        }
        Instant now = clock.instant();
        List<Problem.FieldError> errors = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 1; i < table.size(); i++) {
            List<String> cells = table.get(i);
            if (cells.size() == 1 && cells.get(0).isBlank()) {
                continue;
            }
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < header.size() && c < cells.size(); c++) {
                row.put(header.get(c), cells.get(c).strip());
            }
            String where = "row " + (i + 1);
            Row parsed = check(row, where, now, errors);
            if (parsed != null && !seen.add(contacts.hashOf(parsed.address()))) {
                errors.add(new Problem.FieldError(where + ".email", "appears twice in this file"));
            } else if (parsed != null) {
                rows.add(parsed);
            }
        }
        if (rows.isEmpty() && errors.isEmpty()) {
            throw ValjeanException.invalid("EMPTY_IMPORT", "The CSV has no data rows.");
        }
        // The suppression list outranks any evidence: opted out, bounced, complained or erased stays out.
        Set<String> suppressed = new HashSet<>();
        List<String> hashes = rows.stream().map(r -> contacts.hashOf(r.address())).toList();
        for (var s : sql.rows("SELECT DISTINCT email_hash FROM suppression WHERE email_hash = ANY(?)",
                (Object) hashes.toArray(String[]::new))) {
            suppressed.add((String) s.get("email_hash"));
        }
        for (Row r : rows) {
            if (suppressed.contains(contacts.hashOf(r.address()))) {
                errors.add(new Problem.FieldError(r.where() + ".email", "is on the suppression list (opted out, bounced, complained or erased)"));
            }
        }
        if (!errors.isEmpty()) {
            throw new Refused(errors);
        }
        int imported = 0;
        for (Row r : rows) {
            Contact contact = contacts.findOrCreate(r.address(), r.name());
            int changed = sql.update("""
                    INSERT INTO subscription (contact_id, newsletter_id, status, source, requested_at, confirmed_at, updated_at)
                    VALUES (?, ?, 'CONFIRMED', 'IMPORT', ?, ?, ?)
                    ON CONFLICT (contact_id, newsletter_id) DO UPDATE
                        SET status = 'CONFIRMED', source = 'IMPORT', consent_text_id = NULL, requested_at = EXCLUDED.requested_at,
                            confirmed_at = EXCLUDED.confirmed_at, unsubscribed_at = NULL, updated_at = EXCLUDED.updated_at
                        WHERE subscription.status <> 'CONFIRMED'""",
                    contact.id, newsletter.id, r.consentedAt(), r.confirmedAt(), now);
            if (changed == 0) {
                continue;
            }
            imported++;
            ledger.append(ConsentLedger.Entry.of(LedgerEvent.IMPORTED, contact.id, newsletter.id, "IMPORT")
                    .client(SubscriptionService.pageOf(r.source()), r.ip(), null)
                    .evidence(r.consentedAt(), r.text())
                    .detail("confirmed elsewhere at " + r.confirmedAt()));
        }
        audit.record("import.completed", "newsletter", slug, java.util.Map.of("imported", imported, "rows", rows.size()));
        return new Report(imported, rows.size() - imported, rows.size());
    }

    private record Row(String where, EmailAddress address, String name, Instant consentedAt, Instant confirmedAt, String source,
            String text, String ip) {
    }

    private static Row check(Map<String, String> row, String where, Instant now, List<Problem.FieldError> errors) {
        int before = errors.size();
        EmailAddress address = null;
        try {
            address = EmailAddress.parse(row.getOrDefault("email", ""));
        } catch (ValjeanException e) {
            errors.add(new Problem.FieldError(where + ".email", "is not a valid email address"));
        }
        Instant consented = time(row.get("consented_at"), where + ".consented_at", now, errors);
        Instant confirmed = time(row.get("confirmed_at"), where + ".confirmed_at", now, errors);
        if (consented != null && confirmed != null && confirmed.isBefore(consented)) {
            errors.add(new Problem.FieldError(where + ".confirmed_at", "is before consented_at"));
        }
        String source = row.getOrDefault("consent_source", "");
        if (source.isBlank() || source.length() > 2000) {
            errors.add(new Problem.FieldError(where + ".consent_source", "evidence missing: where the person consented (form URL or description)"));
        }
        String text = row.getOrDefault("consent_text", "");
        if (text.isBlank() || text.length() > 4000) {
            errors.add(new Problem.FieldError(where + ".consent_text", "evidence missing: the consent text the person was shown"));
        }
        String name = row.get("name");
        if (name != null && (name.length() > 200 || name.chars().anyMatch(Character::isISOControl))) {
            errors.add(new Problem.FieldError(where + ".name", "must be one line of at most 200 characters"));
        }
        if (errors.size() > before) {
            return null;
        }
        String ip = row.get("ip");
        return new Row(where, address, name == null || name.isBlank() ? null : name, consented, confirmed, source, text,
                ip == null || ip.isBlank() ? null : Text.clip(ip, 64));
    }

    private static Instant time(String value, String field, Instant now, List<Problem.FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new Problem.FieldError(field, "evidence missing: a date-time with offset, e.g. 2024-05-01T09:30:00Z"));
            return null;
        }
        try {
            Instant t = OffsetDateTime.parse(value.strip()).toInstant();
            if (t.isAfter(now)) {
                errors.add(new Problem.FieldError(field, "is in the future"));
                return null;
            }
            return t;
        } catch (DateTimeParseException e) {
            errors.add(new Problem.FieldError(field, "is not a date-time with offset, e.g. 2024-05-01T09:30:00Z"));
            return null;
        }
    }
}
