package dev.valjean.issue;

import dev.valjean.mail.LayoutStore;
import dev.valjean.mail.PostalAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.delivery.OperatorBasis;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import dev.valjean.newsletter.Newsletter;
import dev.valjean.mail.Links;
import dev.valjean.subscription.SubscriptionBasis;
import io.quarkus.logging.Log;

/**
 * Newsletter issues from draft to sent. Content rules and the layout are checked on every save
 * and preview; sending fans out with one set-based statement to every confirmed, unsuppressed
 * subscriber, and each message is rendered for its reader at send time.
 */
@ApplicationScoped
public class IssueService {

    /** What an author sends when creating or changing an issue; nulls mean "keep" on change. */
    public record Draft(String subject, String preheader, String layout, List<IssueContent.Item> items) {
    }

    /** How far an issue has got: its rows in the outbox by status, and skips and failures by reason. */
    public record Progress(long queued, long sending, long sent, long skipped, long failed, Map<String, Long> skippedBy,
            Map<String, Long> failedBy) {
    }

    /** A rendered issue, as a subscriber sees it. */
    public record Preview(String subject, String preheader, String html, String text) {
    }

    private final LayoutStore layouts;
    private final IssueConfig config;
    private final Links links;
    private final PostalAddress postalAddress;
    private final OutboxService outbox;
    private final ContactService contacts;
    private final Sql sql;
    private final Clock clock;

    public IssueService(LayoutStore layouts, IssueConfig config, Links links, PostalAddress postalAddress, OutboxService outbox, ContactService contacts,
            Sql sql, Clock clock) {
        this.layouts = layouts;
        this.config = config;
        this.postalAddress = postalAddress;
        this.links = links;
        this.outbox = outbox;
        this.contacts = contacts;
        this.sql = sql;
        this.clock = clock;
    }

    @Transactional
    public Issue create(String slug, Draft d) {
        Newsletter n = Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
        String layout = d.layout() == null || d.layout().isBlank() ? "default" : d.layout();
        validate(n, d.subject(), d.preheader(), layout, d.items());
        Instant now = clock.instant();
        Issue issue = new Issue();
        issue.newsletterId = n.id;
        issue.subject = d.subject().strip();
        issue.preheader = blankToNull(d.preheader());
        issue.layout = layout;
        issue.items = IssueContent.toJson(d.items());
        issue.status = IssueStatus.DRAFT;
        issue.createdAt = now;
        issue.updatedAt = now;
        issue.persist();
        return issue;
    }

    @Transactional
    public Issue change(long id, Draft d) {
        Issue issue = find(id);
        requireEditable(issue);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        String subject = d.subject() != null ? d.subject() : issue.subject;
        String preheader = d.preheader() != null ? d.preheader() : issue.preheader;
        String layout = d.layout() != null ? d.layout() : issue.layout;
        List<IssueContent.Item> items = d.items() != null ? d.items() : IssueContent.fromJson(issue.items);
        validate(n, subject, preheader, layout, items);
        issue.subject = subject.strip();
        issue.preheader = blankToNull(preheader);
        issue.layout = layout;
        issue.items = IssueContent.toJson(items);
        issue.updatedAt = clock.instant();
        return issue;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Issue find(long id) {
        return Issue.<Issue> findByIdOptional(id).orElseThrow(() -> ValjeanException.notFound("Issue " + id));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Issue> list(String slug) {
        Newsletter n = Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
        return Issue.list("newsletterId = ?1 order by id desc", n.id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Progress progress(Issue issue) {
        Map<String, Long> byStatus = new HashMap<>();
        Map<String, Long> skippedBy = new LinkedHashMap<>();
        Map<String, Long> failedBy = new LinkedHashMap<>();
        for (var row : sql.rows("""
                SELECT status, status_reason, count(*) AS n FROM outbox WHERE content_ref = ?
                GROUP BY status, status_reason ORDER BY status, status_reason""", issue.contentRef())) {
            String status = (String) row.get("status");
            long n = ((Number) row.get("n")).longValue();
            byStatus.merge(status, n, Long::sum);
            String reason = row.get("status_reason") == null ? "UNKNOWN" : (String) row.get("status_reason");
            if ("SKIPPED".equals(status)) {
                skippedBy.merge(reason, n, Long::sum);
            } else if ("FAILED".equals(status)) {
                failedBy.merge(reason, n, Long::sum);
            }
        }
        return new Progress(byStatus.getOrDefault("QUEUED", 0L), byStatus.getOrDefault("SENDING", 0L),
                byStatus.getOrDefault("SENT", 0L), byStatus.getOrDefault("SKIPPED", 0L), byStatus.getOrDefault("FAILED", 0L),
                skippedBy, failedBy);
    }

    /** The issue as a sample subscriber would see it (example links, a sample name). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Preview preview(long id) {
        Issue issue = find(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        LayoutStore.Layout layout = layouts.load(issue.layout);
        Map<String, Object> data = sampleData(issue, n);
        layouts.check(layout, data);
        String html = layouts.render(layout, "html", data);
        requireSize(html);
        return new Preview(issue.subject, issue.preheader, html, layouts.render(layout, "txt", data));
    }

    /** Sends the rendered issue to one address (the editor's) as TRANSACTIONAL mail; not a send of the issue. */
    @Transactional
    public OutboxMessage sendTest(long id, String to, Long tokenId) {
        Preview preview = preview(id);
        Issue issue = find(id);
        Contact contact = contacts.findOrCreate(EmailAddress.parse(to), null);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        return outbox.enqueue(OutboxRequest.of("issue-test:" + id + ":" + Signing.randomToken(9), Purpose.TRANSACTIONAL,
                OperatorBasis.TYPE, tokenId, contact.id, "[Test] " + preview.subject(), preview.text(), preview.html())
                .from(n.fromHeader()));
    }

    /** Schedules the issue for {@code at}; the cadence promise holds unless overridden with a reason. */
    @Transactional
    public Issue schedule(long id, Instant at, String overrideReason) {
        Issue issue = find(id);
        requireEditable(issue);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        validate(n, issue.subject, issue.preheader, issue.layout, IssueContent.fromJson(issue.items));
        checkCadence(issue, n, at, overrideReason);
        issue.status = IssueStatus.SCHEDULED;
        issue.scheduledAt = at;
        issue.updatedAt = clock.instant();
        return issue;
    }

    /** Sends the issue now: scheduled for this moment and started at once. */
    @Transactional
    public Issue sendNow(long id, String overrideReason) {
        Issue issue = schedule(id, clock.instant(), overrideReason);
        start(issue);
        return issue;
    }

    @Transactional
    public Issue cancel(long id) {
        Issue issue = find(id);
        requireEditable(issue);
        issue.status = IssueStatus.CANCELLED;
        issue.cancelledAt = clock.instant();
        issue.updatedAt = issue.cancelledAt;
        return issue;
    }

    /** Starts every scheduled issue that is due; several instances may run this at once. */
    @Transactional
    public int startDue() {
        List<Long> due = sql.longs("""
                SELECT id FROM issue WHERE status = 'SCHEDULED' AND scheduled_at <= ? ORDER BY scheduled_at
                LIMIT 10 FOR UPDATE SKIP LOCKED""", clock.instant());
        for (long id : due) {
            start(find(id));
        }
        return due.size();
    }

    /** Marks SENDING issues SENT once none of their messages is waiting any more. */
    @Transactional
    public int finishDone() {
        return sql.update("""
                UPDATE issue i SET status = 'SENT', sent_at = ?, updated_at = ?
                WHERE i.status = 'SENDING' AND NOT EXISTS (
                    SELECT 1 FROM outbox o WHERE o.content_ref = 'issue:' || i.id AND o.status IN ('QUEUED', 'SENDING'))""",
                clock.instant(), clock.instant());
    }

    /**
     * Fan-out: one statement puts a row in the outbox for every confirmed subscriber; the outbox
     * leaves out erased and suppressed people by the consent gate's rule. The idempotency key makes a repeat add nothing. Bodies are rendered
     * per message at send time, where the consent gate also looks again.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    int fanOut(Issue issue, Newsletter n) {
        return outbox.enqueueAll(new OutboxService.Fanout("issue:" + issue.id + ":", Purpose.NEWSLETTER, SubscriptionBasis.TYPE,
                n.fromHeader(), issue.contentRef(), listId(n), n.name),
                "SELECT id AS basis_id, contact_id FROM subscription WHERE newsletter_id = ? AND status = 'CONFIRMED'", n.id);
    }

    private void start(Issue issue) {
        Newsletter n = Newsletter.findById(issue.newsletterId);
        Instant now = clock.instant();
        issue.status = IssueStatus.SENDING;
        issue.startedAt = now;
        issue.updatedAt = now;
        Issue.getEntityManager().flush();
        long started = System.nanoTime();
        int recipients = fanOut(issue, n);
        issue.recipients = recipients;
        Log.infof("Issue %d of %s started: %d messages queued in %d ms", issue.id, n.slug, recipients,
                Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    private void checkCadence(Issue issue, Newsletter n, Instant at, String overrideReason) {
        Duration gap = n.cadence.minimumGap;
        Optional<Map<String, Object>> near = sql.rows("""
                SELECT id, COALESCE(started_at, scheduled_at) AS at FROM issue
                WHERE newsletter_id = ? AND id <> ? AND status IN ('SCHEDULED', 'SENDING', 'SENT')
                  AND COALESCE(started_at, scheduled_at) > ? AND COALESCE(started_at, scheduled_at) < ?
                ORDER BY 2 DESC LIMIT 1""", n.id, issue.id, at.minus(gap), at.plus(gap)).stream().findFirst();
        if (near.isEmpty()) {
            issue.cadenceOverride = null;
            return;
        }
        if (overrideReason == null || overrideReason.isBlank()) {
            Instant other = (Instant) near.get().get("at");
            throw ValjeanException.conflict("CADENCE_TOO_SOON", "'" + n.name + "' promises to arrive " + n.cadence.phrase
                    + "; issue " + near.get().get("id") + " goes out at " + other + ", less than " + gap.toDays()
                    + " days from this one. Pick another time, or send anyway with an overrideReason (it is recorded).");
        }
        issue.cadenceOverride = overrideReason.strip().length() > 500 ? overrideReason.strip().substring(0, 500) : overrideReason.strip();
        Log.infof("Issue %d breaks the %s cadence of %s on purpose: %s", issue.id, n.cadence, n.slug, issue.cadenceOverride);
    }

    private void validate(Newsletter n, String subject, String preheader, String layoutName, List<IssueContent.Item> items) {
        IssueContent.check(n, subject, preheader, items);
        postalAddress(n);
        LayoutStore.Layout layout = layouts.load(layoutName);
        Issue probe = new Issue();
        probe.subject = subject.strip();
        probe.preheader = blankToNull(preheader);
        probe.items = IssueContent.toJson(items);
        Map<String, Object> data = sampleData(probe, n);
        layouts.check(layout, data);
        requireSize(layouts.render(layout, "html", data));
    }

    private void requireSize(String html) {
        int bytes = html.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > config.maxHtmlBytes()) {
            throw ValjeanException.invalid("ISSUE_TOO_LARGE", "The rendered HTML is " + bytes + " bytes; the limit is "
                    + config.maxHtmlBytes() + " (Gmail clips larger messages and hides the unsubscribe link).");
        }
    }

    /** The data a layout renders, without the per-reader parts. */
    Map<String, Object> baseData(Issue issue, Newsletter n) {
        Map<String, Object> data = new HashMap<>();
        data.put("subject", issue.subject);
        data.put("preheader", issue.preheader == null ? "" : issue.preheader);
        data.put("items", IssueContent.forLayout(IssueContent.fromJson(issue.items)));
        Map<String, Object> newsletter = new HashMap<>();
        newsletter.put("name", n.name);
        newsletter.put("description", n.description == null ? "" : n.description);
        newsletter.put("cadence", n.cadence.phrase);
        newsletter.put("archiveUrl", links.base() + "/archive/" + n.slug);
        data.put("newsletter", newsletter);
        data.put("archiveUrl", issue.id == null ? links.base() + "/archive/" + n.slug : links.base() + "/archive/" + n.slug + "/" + issue.id);
        data.put("postalAddress", postalAddress(n));
        return data;
    }

    /** The per-reader parts: their name and their own links. */
    static Map<String, Object> personal(Map<String, Object> base, String name, String unsubscribeUrl, String preferencesUrl) {
        Map<String, Object> data = new HashMap<>(base);
        data.put("subscriber", Map.of("name", name == null ? "" : name));
        data.put("unsubscribeUrl", unsubscribeUrl);
        data.put("preferencesUrl", preferencesUrl);
        return data;
    }

    private Map<String, Object> sampleData(Issue issue, Newsletter n) {
        return personal(baseData(issue, n), "Alex Example", links.base() + "/unsubscribe/preview",
                links.base() + "/preferences/preview");
    }

    String postalAddress(Newsletter n) {
        return postalAddress.resolve(n.postalAddress);
    }

    /** RFC 2919 list identifier: the newsletter's slug under the host people reach this server at. */
    String listId(Newsletter n) {
        String host = URI.create(links.base()).getHost();
        return n.slug + "." + (host == null ? "localhost" : host);
    }

    private static void requireEditable(Issue issue) {
        if (issue.status != IssueStatus.DRAFT && issue.status != IssueStatus.SCHEDULED) {
            throw ValjeanException.conflict("ISSUE_NOT_EDITABLE", "Issue " + issue.id + " is " + issue.status
                    + "; only a draft or a scheduled issue can be changed, scheduled, sent or cancelled.");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
