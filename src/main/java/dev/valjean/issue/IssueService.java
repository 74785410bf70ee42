package dev.valjean.issue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.auth.AuditTrail;
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
import dev.valjean.mail.LayoutStore;
import dev.valjean.mail.Links;
import dev.valjean.mail.PostalAddress;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Newsletter issues from draft to sent. Content rules and the layout are checked on every save
 * and preview; sending fans out to every confirmed, unsuppressed subscriber in parts queued side by
 * side (IssueFanout), and each message is rendered for its reader at send time.
 */
@ApplicationScoped
public class IssueService {

    /** What an author sends when creating or changing an issue; nulls mean "keep" on change. */
    public record Draft(String subject, String preheader, String layout, List<IssueContent.Item> items) {
    }

    /** How far an issue has got: its rows in the outbox by status, and skips and failures by reason. */
    /** An issue's messages by state; {@code paused} wait while its circuit breaker holds it. */
    public record Progress(long queued, long sending, long sent, long skipped, long failed, Map<String, Long> skippedBy,
            Map<String, Long> failedBy, long paused) {
    }

    /** A newsletter at a glance, for the console's home. */
    public record Overview(String slug, String name, String cadence, long confirmed, long pending, Instant lastIssueAt, Instant nextAllowedAt,
            boolean allowedNow) {
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
    private final AuditTrail audit;
    private final IssueFanout fanout;

    public IssueService(LayoutStore layouts, IssueConfig config, Links links, PostalAddress postalAddress, OutboxService outbox, ContactService contacts,
            Sql sql, Clock clock, AuditTrail audit, IssueFanout fanout) {
        this.layouts = layouts;
        this.config = config;
        this.postalAddress = postalAddress;
        this.links = links;
        this.outbox = outbox;
        this.contacts = contacts;
        this.sql = sql;
        this.clock = clock;
        this.audit = audit;
        this.fanout = fanout;
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
        audit.record("issue.created", "issue", issue.id, Map.of("newsletter", n.slug));
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
        audit.record("issue.changed", "issue", issue.id, Map.of());
        return issue;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Issue find(long id) {
        return Issue.<Issue> findByIdOptional(id).orElseThrow(() -> ValjeanException.notFound("Issue " + id));
    }

    /** A newsletter's issues, newest first, {@code limit} at a time, older than {@code beforeId} when given. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Issue> recent(String slug, Long beforeId, int limit) {
        Newsletter n = Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
        return beforeId == null ? Issue.find("newsletterId = ?1 order by id desc", n.id).page(0, limit).list()
                : Issue.find("newsletterId = ?1 and id < ?2 order by id desc", n.id, beforeId).page(0, limit).list();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Issue> list(String slug) {
        Newsletter n = Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
        return Issue.list("newsletterId = ?1 order by id desc", n.id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Progress progress(Issue issue) {
        if (issue.status == IssueStatus.SENT && issue.finalProgress != null) {
            return progressOf(readCounts(issue.finalProgress));
        }
        // Live, over ranges of the (content_ref, status) index. The few paused, skipped and failed rows are counted;
        // of the many queued and sent, only the smaller share: once the fan-out is done every row is in one of these
        // states, so the other share is the recipients less the rest. Counting every queued row right after a
        // million-row fan-out took a second (its rows not yet vacuumed), on each answer and each poll of the console.
        Map<String, Long> counts = new LinkedHashMap<>();
        for (var row : sql.rows("""
                SELECT status, count(*) AS n FROM outbox WHERE content_ref = ? AND status IN ('PAUSED', 'SKIPPED', 'FAILED')
                GROUP BY status""", issue.contentRef())) {
            counts.put((String) row.get("status"), ((Number) row.get("n")).longValue());
        }
        if (issue.recipients == null) {
            // The fan-out is still adding rows: both are counted.
            counts.put("QUEUED", count(issue, "QUEUED", Long.MAX_VALUE));
            counts.put("SENT", count(issue, "SENT", Long.MAX_VALUE));
        } else {
            // Both counted up to a bound that grows eightfold until one of them falls short of it: the walk is a small
            // multiple of the smaller share, whether the issue has just started or nearly finished.
            long rest = Math.max(0, issue.recipients - counts.values().stream().mapToLong(Long::longValue).sum());
            long sent;
            long queued;
            for (long bound = 1024;; bound *= 8) {
                sent = count(issue, "SENT", bound);
                if (sent < bound) {
                    queued = Math.max(0, rest - sent);
                    break;
                }
                queued = count(issue, "QUEUED", bound);
                if (queued < bound) {
                    sent = Math.max(0, rest - queued);
                    break;
                }
            }
            counts.put("QUEUED", queued);
            counts.put("SENT", sent);
        }
        // Being sent: queued with a lease (V29). Each lease's row by its key (OFFSET 0): joined, the planner walked the
        // issue's queued rows instead, 129 ms a call in the middle of a 100,000-message issue.
        long sending = sql.firstLong("""
                SELECT count(*) FROM outbox_lease l WHERE EXISTS (
                    SELECT 1 FROM outbox o WHERE o.id = l.outbox_id AND o.content_ref = ? AND o.status = 'QUEUED' OFFSET 0)""",
                issue.contentRef()).orElse(0L);
        if (sending > 0) {
            counts.put("SENDING", sending);
            counts.put("QUEUED", Math.max(0, counts.get("QUEUED") - sending));
        }
        for (var row : sql.rows("""
                SELECT status, status_reason, count(*) AS n FROM outbox WHERE content_ref = ? AND status IN ('SKIPPED', 'FAILED')
                GROUP BY status, status_reason ORDER BY status, status_reason""", issue.contentRef())) {
            counts.put(row.get("status") + "|" + (row.get("status_reason") == null ? "UNKNOWN" : row.get("status_reason")),
                    ((Number) row.get("n")).longValue());
        }
        return progressOf(counts);
    }

    /** The issue's rows in this status, counting no further than {@code upTo}. */
    private long count(Issue issue, String status, long upTo) {
        return sql.firstLong("SELECT count(*) FROM (SELECT 1 FROM outbox WHERE content_ref = ? AND status = ? LIMIT ?) s",
                issue.contentRef(), status, upTo).orElse(0L);
    }

    /** Figures keyed by status, and by "status|reason" for skips and failures. */
    private static Progress progressOf(Map<String, Long> counts) {
        Map<String, Long> skippedBy = new LinkedHashMap<>();
        Map<String, Long> failedBy = new LinkedHashMap<>();
        counts.forEach((key, n) -> {
            if (key.startsWith("SKIPPED|")) {
                skippedBy.put(key.substring(8), n);
            } else if (key.startsWith("FAILED|")) {
                failedBy.put(key.substring(7), n);
            }
        });
        return new Progress(counts.getOrDefault("QUEUED", 0L), counts.getOrDefault("SENDING", 0L), counts.getOrDefault("SENT", 0L),
                counts.getOrDefault("SKIPPED", 0L), counts.getOrDefault("FAILED", 0L), skippedBy, failedBy, counts.getOrDefault("PAUSED", 0L));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper COUNTS_JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private static Map<String, Long> readCounts(String json) {
        try {
            Map<String, Long> counts = new LinkedHashMap<>();
            COUNTS_JSON.readTree(json).fields()
                    .forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
            return counts;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("unreadable final progress", e);
        }
    }

    /**
     * A draft as a sample subscriber would see it, before it is saved: the console's live preview.
     * Length limits are not enforced here (the editor shows them beside the fields); a layout
     * that cannot render is refused as when saving.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Preview previewDraft(String slug, Draft d) {
        Newsletter n = Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
        LayoutStore.Layout layout = layouts.load(d.layout() == null || d.layout().isBlank() ? "default" : d.layout());
        Issue probe = new Issue();
        probe.subject = d.subject() == null ? "" : d.subject().strip();
        probe.preheader = blankToNull(d.preheader());
        probe.items = IssueContent.toJson(d.items().stream().map(i -> new IssueContent.Item(i.title() == null ? "" : i.title(),
                i.body() == null ? "" : i.body(), i.url())).toList());
        Map<String, Object> data = sampleData(probe, n);
        return new Preview(probe.subject, probe.preheader, layouts.render(layout, "html", data), layouts.render(layout, "txt", data));
    }

    /** The service's clock: what "now" means for sending and scheduling. */
    public Instant clockNow() {
        return clock.instant();
    }

    /** Counts of the home page: at most this old (counting 100,000 subscribers takes about 10 ms; the send confirmation counts afresh). */
    private static final java.time.Duration COUNTS_FRESH_FOR = java.time.Duration.ofSeconds(10);

    private record Counts(long confirmed, long pending, long at) {
    }

    private final Map<Long, Counts> homeCounts = new java.util.concurrent.ConcurrentHashMap<>();

    /** Forgets the cached home-page counts (ids repeat only after a test reset). */
    public void clearCounts() {
        homeCounts.clear();
    }

    /** Every newsletter with its confirmed subscribers, pending requests, last issue, and when the cadence allows the next. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Overview> overview() {
        List<Overview> out = new ArrayList<>();
        Instant now = clock.instant();
        long nowMillis = System.currentTimeMillis();
        for (var r : sql.rows("""
                SELECT n.id, n.slug, n.name, n.cadence,
                  (SELECT max(COALESCE(i.started_at, i.scheduled_at)) FROM issue i
                    WHERE i.newsletter_id = n.id AND i.status IN ('SCHEDULED', 'SENDING', 'SENT')) AS last_at
                FROM newsletter n ORDER BY lower(n.name), n.id""")) {
            long id = ((Number) r.get("id")).longValue();
            Counts counts = homeCounts.get(id);
            if (counts == null || nowMillis - counts.at() > COUNTS_FRESH_FOR.toMillis()) {
                var row = sql.rows("""
                        SELECT (SELECT count(*) FROM subscription WHERE newsletter_id = ? AND status = 'CONFIRMED') AS confirmed,
                               (SELECT count(*) FROM subscription WHERE newsletter_id = ? AND status = 'PENDING') AS pending""", id, id).get(0);
                counts = new Counts(((Number) row.get("confirmed")).longValue(), ((Number) row.get("pending")).longValue(), nowMillis);
                homeCounts.put(id, counts);
            }
            var cadence = dev.valjean.newsletter.Cadence.valueOf((String) r.get("cadence"));
            Instant last = (Instant) r.get("last_at");
            Instant next = last == null ? now : last.plus(cadence.minimumGap);
            out.add(new Overview((String) r.get("slug"), (String) r.get("name"), cadence.phrase, counts.confirmed(), counts.pending(), last,
                    next.isBefore(now) ? now : next, !next.isAfter(now)));
        }
        return out;
    }

    /** How many confirmed subscribers an issue of this newsletter would reach now. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public long confirmedSubscribers(long newsletterId) {
        return sql.firstLong("SELECT count(*) FROM subscription WHERE newsletter_id = ? AND status = 'CONFIRMED'", newsletterId).orElse(0L);
    }

    /**
     * Why sending the issue at {@code at} would break the newsletter's cadence promise, in words,
     * or empty when it keeps it: what the console asks an override reason for.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> cadenceConflict(long id, Instant at) {
        Issue issue = find(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        return nearIssue(issue, n, at).map(near -> "'" + n.name + "' promises to arrive " + n.cadence.phrase + "; issue #" + near.get("id")
                + " goes out " + ((Instant) near.get("at")) + ", less than " + n.cadence.minimumGap.toDays() + " days from this one.");
    }

    /**
     * Saves an edited newsletter layout as a new stored version, checked exactly as an issue using
     * it would be: both variants parse (else 422 LAYOUT_INVALID with the line), render the
     * unsubscribe and preference links and the postal address on sample content
     * (LAYOUT_INCOMPLETE), and stay under the size limit. Every instance uses it from the next issue.
     */
    @Transactional
    public LayoutStore.Source saveLayout(String name, String html, String text, String savedBy) {
        LayoutStore.Layout layout = layouts.parse(name, html, text);
        Newsletter sample = Newsletter.<Newsletter> findAll().firstResult();
        Issue probe = new Issue();
        probe.subject = "A sample subject";
        probe.items = IssueContent.toJson(List.of(new IssueContent.Item("A sample item", "Some **sample** text.", "https://example.com/")));
        Map<String, Object> data = sample == null ? sampleWithoutNewsletter(probe) : sampleData(probe, sample);
        layouts.check(layout, data);
        requireSize(layouts.render(layout, "html", data));
        long id = layouts.store("newsletter", name, html, text, savedBy);
        LayoutStore.Source saved = layouts.source("newsletter", name);
        audit.record("layout.saved", "layout", "newsletter/" + name, Map.of("version", saved.version(), "versionId", id));
        return saved;
    }

    /** A layout rendered on sample content, for the layouts page. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public String layoutSample(String name) {
        LayoutStore.Layout layout = layouts.load(name);
        Newsletter sample = Newsletter.<Newsletter> findAll().firstResult();
        Issue probe = new Issue();
        probe.subject = "A sample subject";
        probe.preheader = "A sample preheader";
        probe.items = IssueContent.toJson(List.of(new IssueContent.Item("A sample item", "Some **sample** text.", "https://example.com/"),
                new IssueContent.Item("Another item", "More text, with a [link](https://example.com/).", null)));
        return layouts.render(layout, "html", sample == null ? sampleWithoutNewsletter(probe) : sampleData(probe, sample));
    }

    /**
     * A sent issue as its archive page shows it: the layout version it was sent with, for an
     * anonymous reader (the personal links lead to the sign-up page). Empty for issues sent before
     * versions were recorded, which keep the plain archive page.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> archiveHtml(Issue issue, Newsletter n) {
        if (issue.layoutVersionId == null) {
            return Optional.empty();
        }
        String subscribe = links.subscribe(n.slug);
        return Optional.of(layouts.render(layouts.version(issue.layoutVersionId), "html", personal(baseData(issue, n), "", subscribe, subscribe)));
    }

    private Map<String, Object> sampleWithoutNewsletter(Issue probe) {
        Newsletter n = new Newsletter();
        n.name = "Your newsletter";
        n.slug = "sample";
        n.cadence = dev.valjean.newsletter.Cadence.WEEKLY;
        n.senderName = "Sender";
        n.senderAddress = "sender@example.com";
        n.postalAddress = "1 Example Street, Example Town";
        return sampleData(probe, n);
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
    public OutboxMessage sendTest(long id, String to, Long operatorId) {
        return sendTests(id, List.of(to), operatorId).get(0);
    }

    /** Test sends of the issue as it stands, to one to five addresses the operator typed (TRANSACTIONAL, marked [Test]). */
    @Transactional
    public List<OutboxMessage> sendTests(long id, List<String> to, Long operatorId) {
        if (to.isEmpty() || to.size() > 5) {
            throw ValjeanException.field("TEST_RECIPIENTS", "to", "Send a test to one to five addresses.");
        }
        List<EmailAddress> addresses = to.stream().map(a -> EmailAddress.parseField("to", a)).toList();
        Preview preview = preview(id);
        Issue issue = find(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        List<OutboxMessage> queued = new ArrayList<>();
        for (EmailAddress address : addresses) {
            Contact contact = contacts.findOrCreate(address, null);
            queued.add(outbox.enqueue(OutboxRequest.of("issue-test:" + id + ":" + Signing.randomToken(9), Purpose.TRANSACTIONAL,
                    OperatorBasis.TYPE, operatorId, contact.id, "[Test] " + preview.subject(), preview.text(), preview.html())
                    .from(n.fromHeader())));
        }
        audit.record("issue.test_sent", "issue", id, Map.of("recipients", addresses.size()));
        return queued;
    }

    /** Schedules the issue for {@code at}; the cadence promise holds unless overridden with a reason. */
    @Transactional
    public Issue schedule(long id, Instant at, String overrideReason) {
        Issue issue = scheduled(id, at, overrideReason);
        Map<String, Object> detail = new HashMap<>();
        detail.put("at", at.toString());
        if (issue.cadenceOverride != null) {
            detail.put("overrideReason", issue.cadenceOverride);
        }
        audit.record("issue.scheduled", "issue", id, detail);
        return issue;
    }

    private Issue scheduled(long id, Instant at, String overrideReason) {
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

    /**
     * Sends the issue now: scheduled for this moment and started at once, then its fan-out queued
     * part by part before this returns. Should the fan-out stop half-way (the database went away),
     * the issue is SENDING and the scheduled job queues the parts that are left.
     */
    public Issue sendNow(long id, String overrideReason) {
        QuarkusTransaction.requiringNew().run(() -> {
            Issue issue = scheduled(id, clock.instant(), overrideReason);
            int parts = start(issue);
            Map<String, Object> detail = new HashMap<>();
            detail.put("parts", parts);
            if (issue.cadenceOverride != null) {
                detail.put("overrideReason", issue.cadenceOverride);
            }
            audit.record("issue.sent", "issue", id, detail);
        });
        try {
            fanout.expand(id);
        } catch (RuntimeException e) {
            Log.errorf(e, "Fan-out of issue %d stopped; the scheduled job queues its remaining parts", id);
        }
        return QuarkusTransaction.requiringNew().call(() -> find(id));
    }

    @Transactional
    public Issue cancel(long id) {
        Issue issue = find(id);
        requireEditable(issue);
        issue.status = IssueStatus.CANCELLED;
        issue.cancelledAt = clock.instant();
        issue.updatedAt = issue.cancelledAt;
        audit.record("issue.cancelled", "issue", id, Map.of());
        return issue;
    }

    /**
     * Starts every scheduled issue that is due, then queues what is left of any sending issue's
     * fan-out (this one's, or one a crash interrupted); several instances may run this at once.
     */
    public int startDue() {
        int started = QuarkusTransaction.requiringNew().call(this::startScheduled);
        fanout.expandPending();
        return started;
    }

    /** The first half of {@link #startDue()}: due issues started and their fan-outs planned, not yet queued. */
    int startScheduled() {
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
        // The figures are final once nothing is queued or sending: kept on the issue, its page need not count them again.
        return sql.update("""
                UPDATE issue i SET status = 'SENT', sent_at = ?, updated_at = ?, final_progress = (
                    SELECT jsonb_object_agg(k, n) FROM (
                        SELECT status AS k, count(*) AS n FROM outbox o WHERE o.content_ref = 'issue:' || i.id GROUP BY status
                        UNION ALL
                        SELECT status || '|' || COALESCE(status_reason, 'UNKNOWN'), count(*) FROM outbox o
                        WHERE o.content_ref = 'issue:' || i.id AND o.status IN ('SKIPPED', 'FAILED') GROUP BY status, status_reason) f)
                WHERE i.status = 'SENDING' AND NOT EXISTS (
                    SELECT 1 FROM outbox o WHERE o.content_ref = 'issue:' || i.id AND o.status = 'QUEUED')
                  AND NOT EXISTS (SELECT 1 FROM issue_fanout f WHERE f.issue_id = i.id AND f.done_at IS NULL)""",
                clock.instant(), clock.instant());
    }

    /** Starts the issue in the current transaction: SENDING, its layout kept, its fan-out's parts recorded (IssueFanout); how many parts. */
    private int start(Issue issue) {
        Instant now = clock.instant();
        issue.status = IssueStatus.SENDING;
        issue.startedAt = now;
        // The layout as it is now goes with the issue: a later edit changes the next issues, not this one or its archive page.
        issue.layoutVersionId = layouts.snapshot("newsletter", issue.layout);
        // So are the From and List-Id headers: every message of the issue carries these two, whatever the newsletter becomes.
        Newsletter n = Newsletter.findById(issue.newsletterId);
        issue.sender = n.fromHeader();
        issue.listId = OutboxService.listIdHeader(listId(n), n.name);
        OutboxService.requireHeaderSafe("sender", issue.sender);
        OutboxService.requireHeaderSafe("listId", issue.listId);
        issue.updatedAt = now;
        Issue.getEntityManager().flush();
        int parts = fanout.plan(issue);
        // Known once every part is queued (IssueFanout); nobody to send to is known now.
        issue.recipients = parts == 0 ? 0 : null;
        return parts;
    }

    private void checkCadence(Issue issue, Newsletter n, Instant at, String overrideReason) {
        Duration gap = n.cadence.minimumGap;
        Optional<Map<String, Object>> near = nearIssue(issue, n, at);
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

    private Optional<Map<String, Object>> nearIssue(Issue issue, Newsletter n, Instant at) {
        Duration gap = n.cadence.minimumGap;
        return sql.rows("""
                SELECT id, COALESCE(started_at, scheduled_at) AS at FROM issue
                WHERE newsletter_id = ? AND id <> ? AND status IN ('SCHEDULED', 'SENDING', 'SENT')
                  AND COALESCE(started_at, scheduled_at) > ? AND COALESCE(started_at, scheduled_at) < ?
                ORDER BY 2 DESC LIMIT 1""", n.id, issue.id, at.minus(gap), at.plus(gap)).stream().findFirst();
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
        return listId(links, n);
    }

    static String listId(Links links, Newsletter n) {
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
