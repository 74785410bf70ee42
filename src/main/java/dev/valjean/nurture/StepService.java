package dev.valjean.nurture;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import dev.valjean.mail.LayoutStore;
import dev.valjean.mail.Links;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Advances due enrollments: ends those whose basis is gone, holds back those outside the person's
 * business hours or over the frequency cap, and puts the next step of the others into the outbox.
 * Several instances may run it at once: enrollments are claimed with {@code FOR UPDATE SKIP
 * LOCKED}, the person's row is locked while their cap is decided, and each step's outbox key is
 * unique, so no step is queued twice.
 */
@ApplicationScoped
public class StepService {

    private static final Duration RETRY_BROKEN = Duration.ofHours(1);

    private final Sql sql;
    private final Clock clock;
    private final NurtureService nurture;
    private final EnrollmentBasis basis;
    private final OutboxService outbox;
    private final LayoutStore layouts;
    private final Links links;
    private final NurtureConfig config;
    private final String listHost;

    /** The domain mail is sent from: a deal owner's address of this domain can be the sender of acceleration emails. */
    @jakarta.inject.Inject
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "valjean.smtp.from")
    String from;

    public StepService(Sql sql, Clock clock, NurtureService nurture, EnrollmentBasis basis, OutboxService outbox, LayoutStore layouts,
            Links links, NurtureConfig config) {
        this.sql = sql;
        this.clock = clock;
        this.nurture = nurture;
        this.basis = basis;
        this.outbox = outbox;
        this.layouts = layouts;
        this.links = links;
        this.config = config;
        this.listHost = config.listHost().orElseGet(() -> URI.create(links.base()).getHost());
    }

    /**
     * Advances everything due now, batch after batch; returns the number of steps queued. A batch
     * that fails is retried one enrollment at a time, so one broken enrollment holds back only itself.
     */
    public int advanceAll() {
        int queued = 0;
        for (int i = 0; i < 1000; i++) {
            Result r;
            try {
                r = QuarkusTransaction.requiringNew().call(() -> advanceBatch(null));
            } catch (RuntimeException e) {
                Log.warnf(e, "Nurture batch failed; advancing due enrollments one by one");
                return queued + advanceOneByOne();
            }
            queued += r.queued();
            if (r.claimed() < config.batchSize()) {
                break;
            }
        }
        return queued;
    }

    private int advanceOneByOne() {
        int queued = 0;
        for (long id : sql.longs("SELECT id FROM enrollment WHERE status = 'ACTIVE' AND next_due_at <= ? ORDER BY next_due_at, id LIMIT ?",
                clock.instant(), config.batchSize())) {
            try {
                queued += QuarkusTransaction.requiringNew().call(() -> advanceBatch(id)).queued();
            } catch (RuntimeException e) {
                Log.errorf(e, "Enrollment %d cannot advance; held back %s", id, RETRY_BROKEN);
                QuarkusTransaction.requiringNew().run(() -> sql.update("UPDATE enrollment SET next_due_at = ? WHERE id = ? AND status = 'ACTIVE'",
                        clock.instant().plus(RETRY_BROKEN), id));
            }
        }
        return queued;
    }

    /** What one batch did. */
    public record Result(int claimed, int queued) {
    }

    /** One transaction: claims up to a batch of due enrollments (or just {@code only}) and decides each. */
    Result advanceBatch(Long only) {
        Instant now = clock.instant();
        List<Map<String, Object>> due = sql.rows("""
                SELECT e.id, e.contact_id, e.next_step, e.sequence_id
                FROM enrollment e WHERE e.status = 'ACTIVE' AND e.next_due_at <= ? AND (?::bigint IS NULL OR e.id = ?::bigint)
                ORDER BY e.next_due_at, e.id LIMIT ? FOR UPDATE SKIP LOCKED""", now, only, only, config.batchSize());
        if (due.isEmpty()) {
            return new Result(0, 0);
        }
        Map<Long, String> exits = basis.exitReasons(due.stream().map(r -> id(r, "id")).toList());
        nurture.endWithReasons(exits);
        List<Map<String, Object>> going = new ArrayList<>(due.stream().filter(r -> !exits.containsKey(id(r, "id"))).toList());
        // People's rows are locked in one order by every instance, so two batches never wait on each other in a circle.
        going.sort(Comparator.comparingLong((Map<String, Object> r) -> id(r, "contact_id")).thenComparingLong(r -> id(r, "id")));
        Map<Long, Map<String, Object>> sequences = new HashMap<>();
        int queued = 0;
        for (Map<String, Object> e : going) {
            Map<String, Object> sequence = sequences.computeIfAbsent(id(e, "sequence_id"), id -> sql.rows(
                    "SELECT id, name, purpose, steps::text AS steps FROM sequence WHERE id = ?", id).get(0));
            if (advance(e, sequence, now)) {
                queued++;
            }
        }
        return new Result(due.size(), queued);
    }

    /** Queues the enrollment's next step if the person's hours and cap allow it now; else moves its due time. */
    private boolean advance(Map<String, Object> e, Map<String, Object> sequence, Instant now) {
        long enrollmentId = id(e, "id");
        long contactId = id(e, "contact_id");
        int stepIndex = ((Number) e.get("next_step")).intValue();
        Map<String, Object> contact = sql.rows("SELECT name, time_zone FROM contact WHERE id = ? FOR UPDATE", contactId).get(0);
        ZoneId zone = nurture.zone((String) contact.get("time_zone"));
        List<Instant> recent = sql.rows("""
                SELECT created_at FROM outbox WHERE contact_id = ? AND purpose = 'NURTURE'
                AND status IN ('QUEUED', 'SENT') AND created_at > ? ORDER BY created_at DESC""",
                contactId, now.minus(SendWindow.WEEK)).stream().map(r -> (Instant) r.get("created_at")).toList();
        Instant earliest = nurture.window().earliest(now, recent, zone);
        if (earliest.isAfter(now)) {
            sql.update("UPDATE enrollment SET next_due_at = ? WHERE id = ?", earliest, enrollmentId);
            return false;
        }
        List<NurtureService.Step> steps = nurture.steps((String) sequence.get("steps"));
        NurtureService.Step step = steps.get(stepIndex);
        OutboxRequest request;
        try {
            request = render(enrollmentId, contactId, stepIndex, step, sequence, (String) contact.get("name"));
        } catch (ValjeanException broken) {
            Log.errorf("Enrollment %d step %d held back an hour: %s", enrollmentId, stepIndex, broken.getMessage());
            sql.update("UPDATE enrollment SET next_due_at = ? WHERE id = ?", now.plus(RETRY_BROKEN), enrollmentId);
            return false;
        }
        OutboxMessage message = outbox.enqueue(request);
        sql.update("INSERT INTO enrollment_step (enrollment_id, step, outbox_id, queued_at) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT DO NOTHING", enrollmentId, stepIndex, message.id, now);
        if (stepIndex + 1 >= steps.size()) {
            nurture.endAll(List.of(enrollmentId), EnrollmentBasis.COMPLETED);
        } else {
            sql.update("UPDATE enrollment SET next_step = ?, next_due_at = ? WHERE id = ?", stepIndex + 1,
                    nurture.dueAfter(now, steps.get(stepIndex + 1), zone), enrollmentId);
        }
        return true;
    }

    private OutboxRequest render(long enrollmentId, long contactId, int stepIndex, NurtureService.Step step,
            Map<String, Object> sequence, String contactName) {
        String sequenceName = (String) sequence.get("name");
        String reason = NurtureService.reasonFor(SequencePurpose.valueOf((String) sequence.get("purpose")));
        String optOut = links.nurtureOptOut(contactId);
        Map<String, Object> data = nurture.data(step, contactName, sequenceName, reason, optOut);
        LayoutStore.Layout layout = layouts.load("nurture", step.layout());
        OutboxRequest request = OutboxRequest.of("enrollment:" + enrollmentId + ":step:" + stepIndex, Purpose.NURTURE, EnrollmentBasis.TYPE,
                enrollmentId, contactId, step.subject(), layouts.render(layout, "txt", data), layouts.render(layout, "html", data))
                .asListMail("nurture." + listHost, sequenceName, optOut);
        if (SequencePurpose.SALES_ACCELERATION.name().equals(sequence.get("purpose"))) {
            String owner = sql.rows("SELECT o.owner FROM enrollment e JOIN opportunity o ON o.id = e.opportunity_id WHERE e.id = ?", enrollmentId)
                    .stream().findFirst().map(r -> (String) r.get("owner")).orElse(null);
            String sender = ownerAsSender(owner, from);
            if (sender != null) {
                request = request.from(sender);
            }
        }
        return request;
    }

    /**
     * The deal's owner as the sender of its acceleration emails, so a reply reaches the rep: the
     * CRM's {@code owner} ("Name <address>" or an address; a bare address takes the name of the
     * console person with it), when the address is of the sending domain. Null otherwise: the
     * default sender, since mail from another domain would fail DMARC.
     */
    static String ownerAsSender(String owner, String from) {
        if (owner == null || owner.isBlank() || owner.length() > 320) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s*(?:\"?([^\"<>]*?)\"?\\s*)?<([^<>]+)>\\s*$").matcher(owner);
        String name = m.matches() ? m.group(1) : null;
        String address = m.matches() ? m.group(2) : owner.strip();
        dev.valjean.common.EmailAddress parsed;
        try {
            parsed = dev.valjean.common.EmailAddress.parse(address);
        } catch (ValjeanException e) {
            return null;
        }
        if (!dev.valjean.delivery.OutboxService.domainOf(parsed.normalized()).equals(dev.valjean.delivery.OutboxService.domainOf(from))) {
            return null;
        }
        if (name == null || name.isBlank()) {
            name = dev.valjean.auth.Person.findByEmail(parsed.normalized()).map(p -> p.name).orElse(null);
        }
        if (name != null && name.chars().anyMatch(c -> c < 0x20 || c == '"' || c == '\\')) {
            name = null;
        }
        return name == null || name.isBlank() ? parsed.deliverable() : name.strip() + " <" + parsed.deliverable() + ">";
    }

    private static long id(Map<String, Object> row, String column) {
        return ((Number) row.get(column)).longValue();
    }
}
