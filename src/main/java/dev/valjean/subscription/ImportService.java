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

    /** One data row as checked: its number in the file, the address as written, and what an import would do with it. */
    public record RowReport(int row, String email, Outcome outcome, List<String> problems) {
    }

    public enum Outcome {
        /** It becomes a confirmed subscription with its evidence. */
        IMPORT,
        /** The address is a confirmed subscriber already; nothing changes for it. */
        ALREADY_SUBSCRIBED,
        /** The row lacks evidence or is not allowed; the file as a whole cannot be imported. */
        REFUSED
    }

    /** What importing a file would do, row by row, before anything is stored. */
    public record Preview(String newsletter, List<RowReport> rows, int toImport, int alreadySubscribed, int refused) {
        public boolean importable() {
            return refused == 0 && !rows.isEmpty();
        }
    }

    /** The file checked as the import checks it, changing nothing. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Preview preview(String slug, String csv) {
        Newsletter newsletter = newsletter(slug);
        Checked checked = check(newsletter, csv);
        Set<String> subscribed = new HashSet<>();
        for (var r : sql.rows("""
                SELECT c.email_hash FROM contact c JOIN subscription s ON s.contact_id = c.id
                WHERE s.newsletter_id = ? AND s.status = 'CONFIRMED' AND c.email_hash = ANY(?)""", newsletter.id,
                (Object) checked.rows().stream().map(r -> contacts.hashOf(r.address())).toArray(String[]::new))) {
            subscribed.add((String) r.get("email_hash"));
        }
        List<RowReport> rows = new ArrayList<>();
        int toImport = 0;
        int already = 0;
        int refused = 0;
        for (Line line : checked.lines()) {
            Outcome outcome;
            if (!line.problems().isEmpty()) {
                outcome = Outcome.REFUSED;
                refused++;
            } else if (subscribed.contains(contacts.hashOf(line.parsed().address()))) {
                outcome = Outcome.ALREADY_SUBSCRIBED;
                already++;
            } else {
                outcome = Outcome.IMPORT;
                toImport++;
            }
            rows.add(new RowReport(line.row(), line.email(), outcome, line.problems()));
        }
        return new Preview(newsletter.slug, rows, toImport, already, refused);
    }

    @Transactional
    public Report importCsv(String slug, String csv) {
        Newsletter newsletter = newsletter(slug);
        Checked checked = check(newsletter, csv);
        List<Problem.FieldError> errors = new ArrayList<>();
        for (Line line : checked.lines()) {
            for (Problem.FieldError e : line.errors()) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) {
            throw new Refused(errors);
        }
        List<Row> rows = checked.rows();
        Instant now = clock.instant();
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

    private static Newsletter newsletter(String slug) {
        return Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
    }

    /** One data row: its number in the file, the address as written, what is wrong with it (as field errors), and the row when nothing is. */
    private record Line(int row, String email, List<Problem.FieldError> errors, Row parsed) {
        List<String> problems() {
            return errors.stream().map(e -> e.field().substring(e.field().indexOf('.') + 1) + " " + e.message()).toList();
        }
    }

    private record Checked(List<Line> lines) {
        List<Row> rows() {
            return lines.stream().filter(l -> l.errors().isEmpty()).map(Line::parsed).toList();
        }
    }

    /** Every row checked for evidence, duplicates within the file, and the suppression list (which outranks any evidence). */
    private Checked check(Newsletter newsletter, String csv) {
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
        List<Line> lines = new ArrayList<>();
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
            List<Problem.FieldError> errors = new ArrayList<>();
            Row parsed = check(row, where, now, errors);
            if (parsed != null && !seen.add(contacts.hashOf(parsed.address()))) {
                errors.add(new Problem.FieldError(where + ".email", "appears twice in this file"));
            }
            lines.add(new Line(i + 1, Text.clip(row.getOrDefault("email", ""), 254), errors, errors.isEmpty() ? parsed : null));
        }
        if (lines.isEmpty()) {
            throw ValjeanException.invalid("EMPTY_IMPORT", "The CSV has no data rows.");
        }
        List<String> hashes = lines.stream().filter(l -> l.parsed() != null).map(l -> contacts.hashOf(l.parsed().address())).toList();
        Set<String> suppressed = new HashSet<>();
        for (var s : sql.rows("SELECT DISTINCT email_hash FROM suppression WHERE email_hash = ANY(?)",
                (Object) hashes.toArray(String[]::new))) {
            suppressed.add((String) s.get("email_hash"));
        }
        List<Line> out = new ArrayList<>(lines.size());
        for (Line l : lines) {
            if (l.parsed() != null && suppressed.contains(contacts.hashOf(l.parsed().address()))) {
                out.add(new Line(l.row(), l.email(), List.of(new Problem.FieldError(l.parsed().where() + ".email",
                        "is on the suppression list (opted out, bounced, complained or erased)")), null));
            } else {
                out.add(l);
            }
        }
        return new Checked(out);
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
