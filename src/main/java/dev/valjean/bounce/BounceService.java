package dev.valjean.bounce;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Sql;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.contact.ContactService;
import dev.valjean.delivery.BounceConfig;
import dev.valjean.delivery.MessageIds;
import dev.valjean.delivery.Verp;
import dev.valjean.issue.IssueBreaker;
import dev.valjean.nurture.NurtureService;
import dev.valjean.subscription.PreferenceService;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Takes a bounce or a complaint (a raw report, or a provider's event), finds the message and the
 * person it is about, and does what it says: suppress a dead address or a complainer at once,
 * count soft bounces about the recipient, keep refusals of the sender for the circuit breaker.
 * A report received twice counts once.
 */
@ApplicationScoped
public class BounceService {

    /** Where a report came from; the source label of the metric. */
    public enum Source {
        API, IMAP, SES, SENDGRID, POSTMARK, MAILGUN
    }

    /** What a report said about one recipient, as the API answers it. */
    public record Result(String recipient, String bounceClass, String status, String reason, Long outboxId, String action) {
    }

    /** What became of a report. */
    public record Outcome(List<Result> results, String outcome, boolean repeated) {
    }

    private final Sql sql;
    private final Verp verp;
    private final MessageIds messageIds;
    private final ContactService contacts;
    private final SuppressionService suppressions;
    private final PreferenceService preferences;
    private final NurtureService nurture;
    private final IssueBreaker breaker;
    private final BounceConfig config;
    private final MeterRegistry metrics;
    private final Clock clock;

    @jakarta.inject.Inject
    dev.valjean.events.Events events;

    public BounceService(Sql sql, Verp verp, MessageIds messageIds, ContactService contacts, SuppressionService suppressions,
            PreferenceService preferences, NurtureService nurture, IssueBreaker breaker, BounceConfig config, MeterRegistry metrics, Clock clock) {
        this.sql = sql;
        this.verp = verp;
        this.messageIds = messageIds;
        this.contacts = contacts;
        this.suppressions = suppressions;
        this.preferences = preferences;
        this.nurture = nurture;
        this.breaker = breaker;
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** A raw report (message/rfc822): parsed, attributed, and unless {@code dryRun} applied and kept. */
    @Transactional
    public Outcome receive(byte[] raw, Source source, boolean dryRun) {
        BounceParser.Report report;
        try {
            report = BounceParser.parse(raw);
        } catch (BounceParser.Unreadable e) {
            throw new ValjeanException(422, "REPORT_UNREADABLE", "Not a mail message", e.getMessage());
        }
        List<Target> targets = attribute(report.findings(), report.sentTo(), report.originalMessageId());
        return apply(source, raw, report.subject(), targets, dryRun);
    }

    /** Keeps a report that could not be read at all (from the bounce mailbox), for a person to look at. */
    @Transactional
    public void keepUnreadable(Source source, byte[] raw) {
        keep(source, raw, null, "UNREADABLE");
    }

    /** A provider's event (already verified by its webhook): the same effects as a report. */
    @Transactional
    public Outcome receiveEvent(Source source, byte[] body, List<BounceParser.Finding> findings, String messageId, Long outboxId) {
        List<String> sentTo = new ArrayList<>();
        List<Target> targets = outboxId != null ? attributeToRow(findings, outboxId) : attribute(findings, sentTo, messageId);
        return apply(source, body, null, targets, false);
    }

    /** A kept report, as listed for an admin. */
    public record ReportLine(long id, Instant receivedAt, String source, String subject, String outcome, int bytes) {
    }

    /** Kept reports, newest first, optionally of one outcome (UNATTRIBUTED, UNREADABLE, APPLIED, NOTHING_FAILED). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ReportLine> reports(String outcome, Long beforeId, int limit) {
        return sql.rows("""
                SELECT id, received_at, source, subject, outcome, coalesce(octet_length(raw), 0) AS bytes FROM bounce_report
                WHERE (?::text IS NULL OR outcome = ?) AND (?::bigint IS NULL OR id < ?) ORDER BY id DESC LIMIT ?""",
                outcome, outcome, beforeId, beforeId, limit).stream()
                .map(r -> new ReportLine(((Number) r.get("id")).longValue(), (Instant) r.get("received_at"), (String) r.get("source"),
                        (String) r.get("subject"), (String) r.get("outcome"), ((Number) r.get("bytes")).intValue())).toList();
    }

    /** The report as received (cut at the kept size), for an admin; empty when there is none or it was erased. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<byte[]> raw(long reportId) {
        List<Map<String, Object>> r = sql.rows("SELECT raw FROM bounce_report WHERE id = ? AND raw IS NOT NULL", reportId);
        return r.isEmpty() ? Optional.empty() : Optional.of((byte[]) r.get(0).get("raw"));
    }

    /** One line of the bounce log. */
    public record EventLine(long id, Instant occurredAt, String source, String bounceClass, String reason, boolean aboutSender, String status,
            String diagnostic, String email, Long outboxId, Long issueId, String attributedBy, String action, Long reportId) {
    }

    /** The bounce log, newest first, filtered by class, issue or address. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<EventLine> events(String bounceClass, Long issueId, String email, Long beforeId, int limit) {
        Optional<String> hash = email == null ? Optional.empty() : hashOf(email);
        if (email != null && hash.isEmpty()) {
            return List.of();
        }
        return sql.rows("""
                SELECT b.id, b.occurred_at, b.source, b.class, b.reason, b.about_sender, b.status, b.diagnostic, c.email, b.outbox_id,
                       b.issue_id, b.attributed_by, b.action, b.report_id
                FROM bounce_event b LEFT JOIN contact c ON c.id = b.contact_id
                WHERE (?::text IS NULL OR b.class = ?) AND (?::bigint IS NULL OR b.issue_id = ?) AND (?::text IS NULL OR c.email_hash = ?)
                  AND (?::bigint IS NULL OR b.id < ?)
                ORDER BY b.id DESC LIMIT ?""", bounceClass, bounceClass, issueId, issueId, hash.orElse(null), hash.orElse(null), beforeId,
                beforeId, limit).stream()
                .map(r -> new EventLine(((Number) r.get("id")).longValue(), (Instant) r.get("occurred_at"), (String) r.get("source"),
                        ((String) r.get("class")).toLowerCase(Locale.ROOT), (String) r.get("reason"), (Boolean) r.get("about_sender"),
                        (String) r.get("status"), (String) r.get("diagnostic"), (String) r.get("email"), longOrNull(r.get("outbox_id")),
                        longOrNull(r.get("issue_id")), (String) r.get("attributed_by"), (String) r.get("action"), longOrNull(r.get("report_id"))))
                .toList();
    }

    // ---- attribution

    /** A finding and, when found, the message and person it is about. */
    record Target(BounceParser.Finding finding, Long contactId, Long outboxId, Long issueId, String by) {
    }

    private List<Target> attribute(List<BounceParser.Finding> findings, List<String> sentTo, String messageId) {
        // 1. the VERP address the report was sent to names the row
        Long verpRow = null;
        for (String address : sentTo) {
            Optional<Long> row = verp.outboxOf(address);
            if (row.isPresent()) {
                verpRow = row.get();
                break;
            }
        }
        List<Target> out = new ArrayList<>();
        Set<Integer> done = new LinkedHashSet<>();
        if (verpRow != null) {
            place(findings, rowsWhere("o.id = ?", verpRow), "VERP", out, done);
        }
        // 2. the returned message's Message-ID
        if (messageId != null && done.size() < findings.size()) {
            MessageIds.Lookup byId = messageIds.lookup(messageId);
            place(findings, rowsWhere(byId.condition(), byId.params()), "MESSAGE_ID", out, done);
        }
        // 3. the recipient's latest message
        for (int i = 0; i < findings.size(); i++) {
            if (done.contains(i)) {
                continue;
            }
            BounceParser.Finding f = findings.get(i);
            Optional<String> hash = hashOf(f.recipient());
            List<Map<String, Object>> latest = hash.isEmpty() ? List.of() : sql.rows("""
                    SELECT c.id AS contact_id, o.id AS outbox_id, o.content_ref FROM contact c
                    LEFT JOIN LATERAL (SELECT id, content_ref FROM outbox WHERE contact_id = c.id AND status IN ('SENT', 'FAILED')
                                       ORDER BY sent_at DESC NULLS LAST, id DESC LIMIT 1) o ON true
                    WHERE c.email_hash = ? AND c.erased_at IS NULL""", hash.get());
            if (latest.isEmpty()) {
                out.add(new Target(f, null, null, null, "NONE"));
            } else {
                Map<String, Object> r = latest.get(0);
                out.add(new Target(f, ((Number) r.get("contact_id")).longValue(), longOrNull(r.get("outbox_id")),
                        issueOf((String) r.get("content_ref")), "LATEST"));
            }
        }
        return out;
    }

    private List<Target> attributeToRow(List<BounceParser.Finding> findings, long outboxId) {
        List<Target> out = new ArrayList<>();
        Set<Integer> done = new LinkedHashSet<>();
        place(findings, rowsWhere("o.id = ?", outboxId), "PROVIDER", out, done);
        if (done.size() < findings.size()) {
            List<BounceParser.Finding> rest = new ArrayList<>();
            for (int i = 0; i < findings.size(); i++) {
                if (!done.contains(i)) {
                    rest.add(findings.get(i));
                }
            }
            out.addAll(attribute(rest, List.of(), null));
        }
        return out;
    }

    private List<Map<String, Object>> rowsWhere(String condition, Object... values) {
        return sql.rows("SELECT o.id AS outbox_id, o.contact_id, o.content_ref, c.email_normalized, c.erased_at FROM outbox o "
                + "JOIN contact c ON c.id = o.contact_id WHERE " + condition, values);
    }

    /** Gives each finding the row whose person has its address; a single finding takes a single row whatever the address (forwarding). */
    private void place(List<BounceParser.Finding> findings, List<Map<String, Object>> rows, String by, List<Target> out, Set<Integer> done) {
        for (Map<String, Object> r : rows) {
            if (r.get("erased_at") != null) {
                continue;
            }
            for (int i = 0; i < findings.size(); i++) {
                if (done.contains(i)) {
                    continue;
                }
                BounceParser.Finding f = findings.get(i);
                boolean same = normalized(f.recipient()).map(n -> n.equals(r.get("email_normalized"))).orElse(false);
                if (same || findings.size() == 1 && rows.size() == 1) {
                    out.add(new Target(f, ((Number) r.get("contact_id")).longValue(), ((Number) r.get("outbox_id")).longValue(),
                            issueOf((String) r.get("content_ref")), by));
                    done.add(i);
                    break;
                }
            }
        }
    }

    // ---- effects

    private Outcome apply(Source source, byte[] raw, String subject, List<Target> targets, boolean dryRun) {
        List<Result> results = new ArrayList<>();
        if (dryRun) {
            for (Target t : targets) {
                results.add(result(t, null));
            }
            return new Outcome(results, outcomeOf(targets), false);
        }
        String outcome = outcomeOf(targets);
        Optional<Long> reportId = keep(source, raw, subject, outcome);
        if (reportId.isEmpty()) {
            // received before: applied then, not again
            for (Target t : targets) {
                results.add(result(t, "already received"));
            }
            return new Outcome(results, outcome, true);
        }
        Set<Long> issues = new LinkedHashSet<>();
        for (Target t : targets) {
            String action = t.contactId() == null ? "nobody here has this address" : act(t);
            record(reportId.get(), source, t, action);
            metrics.counter("valjean.bounces", "class", t.finding().bounceClass().word(), "source", source.name().toLowerCase(Locale.ROOT))
                    .increment();
            if (t.issueId() != null) {
                issues.add(t.issueId());
            }
            results.add(result(t, action));
        }
        for (Long issue : issues) {
            breaker.check(issue);
        }
        return new Outcome(results, outcome, false);
    }

    private String act(Target t) {
        BounceParser.Finding f = t.finding();
        String hash = sql.rows("SELECT email_hash FROM contact WHERE id = ?", t.contactId()).get(0).get("email_hash").toString();
        switch (f.bounceClass()) {
            case HARD -> {
                suppressions.suppressHash(hash, SuppressionReason.HARD_BOUNCE,
                        Text.clip("bounce: " + (f.status() == null ? "" : f.status() + " ") + f.reason().words(), 1000));
                events.emit("contact.bounced", t.contactId(), eventIds(t));
                return "suppressed (hard bounce)";
            }
            case COMPLAINT -> {
                suppressions.suppressHash(hash, SuppressionReason.COMPLAINT, "reported as spam");
                int left = preferences.leaveAllBecause(t.contactId(), "COMPLAINT", "reported a message as spam");
                int ended = nurture.endAllOf(t.contactId(), "COMPLAINT");
                events.emit("contact.complained", t.contactId(), eventIds(t));
                return "suppressed (complaint); " + left + " subscription(s) and " + ended + " sequence(s) ended";
            }
            case SOFT -> {
                if (f.reason().aboutSender()) {
                    return "kept for the sender's reputation (not the recipient's fault)";
                }
                int days = softDays(t.contactId(), t.outboxId()) + 1;
                if (days >= config.softThreshold()) {
                    suppressions.suppressHash(hash, SuppressionReason.HARD_BOUNCE, "soft bounces on " + days + " different days within "
                            + config.softWindow().toDays() + " days (last: " + f.reason().words() + ")");
                    events.emit("contact.bounced", t.contactId(), eventIds(t));
                    return "suppressed (soft bounces on " + days + " days)";
                }
                return "counted (soft bounce day " + days + " of " + config.softThreshold() + ")";
            }
            case DELIVERED -> {
                return "delivered (the soft-bounce count starts again)";
            }
            default -> {
                return "nothing to do";
            }
        }
    }

    /** What a bounce event says besides the person: its class, reason, status and the message, no words of the server's. */
    private static Map<String, Object> eventIds(Target t) {
        Map<String, Object> ids = new java.util.LinkedHashMap<>();
        ids.put("class", t.finding().bounceClass().word());
        ids.put("reason", t.finding().reason().word());
        if (t.finding().status() != null) {
            ids.put("status", t.finding().status());
        }
        if (t.outboxId() != null) {
            ids.put("outboxId", t.outboxId());
        }
        if (t.issueId() != null) {
            ids.put("issueId", t.issueId());
        }
        return ids;
    }

    /**
     * Distinct days with a soft bounce about the recipient within the window, counted from their
     * last delivery: a delivery report, or a message the relay took that has not bounced within the
     * quiet period. Today's counts as the day being recorded.
     */
    int softDays(long contactId, Long bouncedRow) {
        Instant now = clock.instant();
        return sql.firstLong("""
                SELECT count(DISTINCT (b.occurred_at AT TIME ZONE 'UTC')::date) FROM bounce_event b
                WHERE b.contact_id = ? AND b.class = 'SOFT' AND NOT b.about_sender AND b.occurred_at > ?
                  AND (b.occurred_at AT TIME ZONE 'UTC')::date <> (?::timestamptz AT TIME ZONE 'UTC')::date
                  AND b.occurred_at > coalesce(greatest(
                      (SELECT max(d.occurred_at) FROM bounce_event d WHERE d.contact_id = ? AND d.class = 'DELIVERED'),
                      (SELECT max(o.sent_at) FROM outbox o WHERE o.contact_id = ? AND o.status = 'SENT' AND o.sent_at < ?
                          AND o.id IS DISTINCT FROM ? AND NOT EXISTS (SELECT 1 FROM bounce_event x WHERE x.outbox_id = o.id))),
                      '-infinity'::timestamptz)""",
                contactId, now.minus(config.softWindow()), now, contactId, contactId, now.minus(config.quietPeriod()), bouncedRow)
                .orElse(0L).intValue();
    }

    private void record(long reportId, Source source, Target t, String action) {
        BounceParser.Finding f = t.finding();
        sql.update("""
                INSERT INTO bounce_event (occurred_at, report_id, source, class, reason, about_sender, status, diagnostic, contact_id, outbox_id,
                                          issue_id, attributed_by, action)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                clock.instant(), reportId, source.name(), f.bounceClass().name(), f.reason().word(), f.reason().aboutSender(),
                Text.clip(f.status(), 20), Text.clip(f.diagnostic(), 1000), t.contactId(), t.outboxId(), t.issueId(), t.by(),
                Text.clip(action, 200));
    }

    /** Keeps the report; empty when the same report from the same source was kept before. */
    private Optional<Long> keep(Source source, byte[] raw, String subject, String outcome) {
        return sql.firstLong("""
                INSERT INTO bounce_report (received_at, source, digest, subject, raw, outcome) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, digest) DO NOTHING RETURNING id""",
                clock.instant(), source.name(), sha256(raw), Text.clip(subject, 500),
                raw.length <= config.keepRawBytes() ? raw : java.util.Arrays.copyOf(raw, config.keepRawBytes()), outcome);
    }

    private static String outcomeOf(List<Target> targets) {
        if (targets.isEmpty()) {
            return "NOTHING_FAILED";
        }
        return targets.stream().anyMatch(t -> t.contactId() != null) ? "APPLIED" : "UNATTRIBUTED";
    }

    private static Result result(Target t, String action) {
        BounceParser.Finding f = t.finding();
        return new Result(f.recipient(), f.bounceClass().word(), f.status(), f.reason().word(), t.outboxId(), action);
    }

    private Optional<String> hashOf(String recipient) {
        try {
            return Optional.of(contacts.hashOf(EmailAddress.parse(recipient)));
        } catch (ValjeanException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> normalized(String recipient) {
        try {
            return Optional.of(EmailAddress.parse(recipient).normalized());
        } catch (ValjeanException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static Long issueOf(String contentRef) {
        if (contentRef == null || !contentRef.startsWith("issue:")) {
            return null;
        }
        try {
            return Long.parseLong(contentRef.substring("issue:".length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long longOrNull(Object o) {
        return o == null ? null : ((Number) o).longValue();
    }

    static String sha256(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
