package dev.valjean.issue;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.auth.Actor;
import dev.valjean.auth.AuditTrail;
import dev.valjean.auth.Person;
import dev.valjean.auth.Role;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.SecretsConfig;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.ContactService;
import dev.valjean.delivery.BounceConfig;
import dev.valjean.delivery.OutboxRepository;
import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import io.quarkus.logging.Log;

/**
 * The circuit breaker of a sending issue: once enough of its messages have gone, a complaint, hard
 * bounce or sender-refusal rate at or above its limit pauses it. Its waiting messages wait as
 * PAUSED (the dispatcher claims only QUEUED ones), admins are told by email and in the console,
 * and an admin resumes it (each remaining message is then sent once) or cancels it.
 */
@ApplicationScoped
public class IssueBreaker {

    /** An issue's figures since it started or was last resumed. */
    public record Figures(long gone, long complaints, long hardBounces, long senderRefusals) {
        long troubles() {
            return complaints + hardBounces + senderRefusals;
        }
    }

    private final Sql sql;
    private final BounceConfig.Breaker limits;
    private final AuditTrail audit;
    private final OutboxService outbox;
    private final ContactService contacts;
    private final SecretsConfig secrets;
    private final Clock clock;
    /** Per issue, the troubles counted at the last full check on this instance, so a quiet issue is not counted again. */
    private final Map<Long, Long> lastTroubles = new ConcurrentHashMap<>();

    public IssueBreaker(Sql sql, BounceConfig config, AuditTrail audit, OutboxService outbox, ContactService contacts, SecretsConfig secrets,
            Clock clock) {
        this.sql = sql;
        this.limits = config.breaker();
        this.audit = audit;
        this.outbox = outbox;
        this.contacts = contacts;
        this.secrets = secrets;
        this.clock = clock;
    }

    /** Checks every sending issue (the issue job calls this); an issue with no new trouble costs one small query. */
    @Transactional
    public void checkSending() {
        for (Long id : sql.longs("SELECT id FROM issue WHERE status = 'SENDING'")) {
            check(id);
        }
        lastTroubles.keySet().retainAll(sql.longs("SELECT id FROM issue WHERE status = 'SENDING'"));
    }

    /** Checks one issue now (after a bounce or a complaint about it); the reason when it paused it. */
    @Transactional
    public Optional<String> check(long issueId) {
        List<Map<String, Object>> row = sql.rows("SELECT status, resumed_at FROM issue WHERE id = ?", issueId);
        if (row.isEmpty() || !"SENDING".equals(row.get(0).get("status"))) {
            return Optional.empty();
        }
        Instant since = (Instant) row.get(0).get("resumed_at");
        long troubles = troubles(issueId, since);
        Long before = lastTroubles.put(issueId, troubles);
        if (troubles == 0 || before != null && before == troubles) {
            return Optional.empty();
        }
        Figures f = figures(issueId, since);
        Optional<String> reason = tripped(f);
        if (reason.isPresent() && pause(issueId, reason.get(), f)) {
            return reason;
        }
        if (f.gone() < limits.minimumSent()) {
            // not enough gone yet: look again next time even without new trouble
            lastTroubles.remove(issueId);
        }
        return Optional.empty();
    }

    /** An issue's bounce figures since it started, for its page. */
    public record Rates(long gone, long hardBounces, long softBounces, long complaints, long senderRefusals, String hardLimit,
            String complaintLimit, String senderLimit, long minimumSent) {
        public String percent(long n) {
            return gone == 0 ? "–" : String.format(Locale.ROOT, "%.2f %%", 100.0 * n / gone);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Rates rates(long issueId) {
        Figures f = figures(issueId, null);
        long soft = sql.firstLong("SELECT count(*) FROM bounce_event WHERE issue_id = ? AND class = 'SOFT' AND NOT about_sender", issueId).orElse(0L);
        return new Rates(f.gone(), f.hardBounces(), soft, f.complaints(), f.senderRefusals(), limit(limits.hardBounceRate()),
                limit(limits.complaintRate()), limit(limits.senderRefusalRate()), limits.minimumSent());
    }

    private static String limit(double rate) {
        return new java.math.BigDecimal(Double.toString(100 * rate)).stripTrailingZeros().toPlainString() + " %";
    }

    /** The figures the breaker reads, since the issue started or was last resumed. */
    public Figures figures(long issueId, Instant since) {
        Map<String, Object> o = sql.rows("""
                SELECT count(*) FILTER (WHERE status IN ('SENT', 'FAILED')) AS gone,
                       count(*) FILTER (WHERE status = 'FAILED' AND last_reply ~ '^5[0-9][0-9][ -]5\\.1\\.') AS hard,
                       count(*) FILTER (WHERE status = 'FAILED' AND last_reply ~ '^5[0-9][0-9][ -]5\\.7\\.') AS refused
                FROM outbox WHERE content_ref = ? AND status IN ('SENT', 'FAILED') AND (?::timestamptz IS NULL OR updated_at > ?)""",
                "issue:" + issueId, since, since).get(0);
        Map<String, Object> b = bounces(issueId, since);
        return new Figures(n(o.get("gone")), n(b.get("complaints")), n(o.get("hard")) + n(b.get("hard")),
                n(o.get("refused")) + n(b.get("refused")));
    }

    private long troubles(long issueId, Instant since) {
        Map<String, Object> b = bounces(issueId, since);
        long sync = sql.firstLong("""
                SELECT count(*) FROM outbox WHERE content_ref = ? AND status = 'FAILED' AND last_reply ~ '^5[0-9][0-9][ -]5\\.[17]\\.'
                AND (?::timestamptz IS NULL OR updated_at > ?)""", "issue:" + issueId, since, since).orElse(0L);
        return n(b.get("complaints")) + n(b.get("hard")) + n(b.get("refused")) + sync;
    }

    private Map<String, Object> bounces(long issueId, Instant since) {
        return sql.rows("""
                SELECT count(*) FILTER (WHERE class = 'COMPLAINT') AS complaints, count(*) FILTER (WHERE class = 'HARD') AS hard,
                       count(*) FILTER (WHERE class = 'SOFT' AND about_sender) AS refused
                FROM bounce_event WHERE issue_id = ? AND (?::timestamptz IS NULL OR occurred_at > ?)""", issueId, since, since).get(0);
    }

    Optional<String> tripped(Figures f) {
        if (f.gone() < limits.minimumSent() || f.gone() == 0) {
            return Optional.empty();
        }
        double gone = f.gone();
        if (f.complaints() / gone >= limits.complaintRate()) {
            return Optional.of(rate(f.complaints() == 1 ? "spam complaint" : "spam complaints", f.complaints(), f.gone(), limits.complaintRate()));
        }
        if (f.hardBounces() / gone >= limits.hardBounceRate()) {
            return Optional.of(rate(f.hardBounces() == 1 ? "hard bounce" : "hard bounces", f.hardBounces(), f.gone(), limits.hardBounceRate()));
        }
        if (f.senderRefusals() / gone >= limits.senderRefusalRate()) {
            return Optional.of(rate(f.senderRefusals() == 1 ? "refusal of the sender or the message" : "refusals of the sender or the message",
                    f.senderRefusals(), f.gone(), limits.senderRefusalRate()));
        }
        return Optional.empty();
    }

    private static String rate(String what, long count, long gone, double limit) {
        return String.format(Locale.ROOT, "%,d %s in %,d messages (%.2f %%, the limit is %.2f %%)", count, what, gone, 100.0 * count / gone,
                100.0 * limit);
    }

    /** Pauses a sending issue; false when it was not sending (another instance paused it first, or it finished). */
    boolean pause(long issueId, String reason, Figures f) {
        Instant now = clock.instant();
        if (sql.update("UPDATE issue SET status = 'PAUSED', paused_at = ?, paused_reason = ?, updated_at = ? WHERE id = ? AND status = 'SENDING'",
                now, reason, now, issueId) == 0) {
            return false;
        }
        // Messages being sent (leased) get their result; one whose claim commits during this statement may be
        // held as well, and then its result leaves it held unless it was sent or refused for good (RECORD_UPDATE).
        int held = sql.update("UPDATE outbox o SET status = 'PAUSED', updated_at = ? WHERE content_ref = ? AND status = 'QUEUED' AND NOT EXISTS ("
                + OutboxRepository.LEASE_OF_O + ")", now, "issue:" + issueId);
        // Readers in parts of the fan-out not queued yet wait too (the parts are queued after a resume).
        long notYetQueued = sql.firstLong("""
                SELECT count(*) FROM issue_fanout f JOIN issue i ON i.id = f.issue_id
                JOIN subscription s ON s.newsletter_id = i.newsletter_id AND s.id > f.after_id AND s.id <= f.through_id
                WHERE f.issue_id = ? AND f.done_at IS NULL AND s.status = 'CONFIRMED' AND s.confirmed_at <= i.started_at""", issueId)
                .orElse(0L);
        long waiting = held + notYetQueued;
        audit.record(Actor.SYSTEM, "issue.paused", "issue", issueId, Map.of("reason", reason, "waiting", waiting, "notYetQueued", notYetQueued,
                "gone", f.gone(), "complaints", f.complaints(), "hardBounces", f.hardBounces(), "senderRefusals", f.senderRefusals()));
        Log.warnf("Issue %d paused: %s; %d messages wait", issueId, reason, waiting);
        tellAdmins(issueId, reason, waiting, now);
        lastTroubles.remove(issueId);
        return true;
    }

    public boolean isPaused(long issueId) {
        return sql.firstLong("SELECT id FROM issue WHERE id = ? AND status = 'PAUSED'", issueId).isPresent();
    }

    /** An admin resumes a paused issue: every waiting message goes back to the queue, once; the breaker counts afresh. */
    @Transactional
    public int resume(long issueId) {
        Instant now = clock.instant();
        if (sql.update("UPDATE issue SET status = 'SENDING', resumed_at = ?, updated_at = ? WHERE id = ? AND status = 'PAUSED'", now, now,
                issueId) == 0) {
            throw notPaused(issueId);
        }
        int queued = sql.update("""
                UPDATE outbox SET status = 'QUEUED', next_attempt_at = ?, updated_at = ? WHERE content_ref = ? AND status = 'PAUSED'""",
                now, now, "issue:" + issueId);
        audit.record("issue.resumed", "issue", issueId, Map.of("queued", queued));
        lastTroubles.remove(issueId);
        return queued;
    }

    /** An admin cancels a paused issue: its waiting messages are skipped, and the parts of its fan-out not yet queued never will be. */
    @Transactional
    public int cancel(long issueId) {
        Instant now = clock.instant();
        if (sql.update("UPDATE issue SET status = 'CANCELLED', cancelled_at = ?, updated_at = ? WHERE id = ? AND status = 'PAUSED'", now, now,
                issueId) == 0) {
            throw notPaused(issueId);
        }
        int skipped = sql.update("""
                UPDATE outbox SET status = 'SKIPPED', status_reason = 'ISSUE_CANCELLED', updated_at = ? WHERE content_ref = ? AND status = 'PAUSED'""",
                now, "issue:" + issueId);
        sql.update("UPDATE issue_fanout SET added = 0, done_at = ? WHERE issue_id = ? AND done_at IS NULL", now, issueId);
        audit.record("issue.cancelled", "issue", issueId, Map.of("skipped", skipped, "whilePaused", true));
        return skipped;
    }

    private ValjeanException notPaused(long issueId) {
        boolean exists = sql.firstLong("SELECT id FROM issue WHERE id = ?", issueId).isPresent();
        return exists ? new ValjeanException(409, "ISSUE_NOT_PAUSED", "Issue not paused", "Only a paused issue can be resumed or cancelled here.")
                : ValjeanException.notFound("issue " + issueId);
    }

    private void tellAdmins(long issueId, String reason, long waiting, Instant at) {
        String link = secrets.publicUrl().replaceAll("/+$", "") + "/console/issues/" + issueId;
        String subject = "Issue " + issueId + " paused itself";
        String text = "Valjean paused issue " + issueId + " because of " + reason + ".\n\n" + String.format(Locale.ROOT, "%,d", waiting)
                + " messages wait. An admin can resume it (each waiting message is then sent once) or cancel it:\n" + link + "\n";
        String html = "<p>Valjean paused issue " + issueId + " because of " + dev.valjean.common.Text.escapeHtml(reason) + ".</p><p>" + String.format(Locale.ROOT, "%,d", waiting)
                + " messages wait. An admin can resume it (each waiting message is then sent once) or cancel it: <a href=\"" + dev.valjean.common.Text.escapeHtml(link)
                + "\">" + dev.valjean.common.Text.escapeHtml(link) + "</a></p>";
        for (Person p : Person.<Person>list("role = ?1 and disabledAt is null", Role.ADMIN)) {
            var contact = contacts.findOrCreate(EmailAddress.parse(p.email), p.name);
            outbox.enqueue(OutboxRequest.of("issue-paused:" + issueId + ":" + at.toEpochMilli() + ":" + p.id, Purpose.TRANSACTIONAL,
                    AdminNoticeBasis.TYPE, p.id, contact.id, subject, text, html));
        }
    }

    private static long n(Object o) {
        return o == null ? 0 : ((Number) o).longValue();
    }
}
