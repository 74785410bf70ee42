package dev.valjean.nurture;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.MultiLine;
import dev.valjean.common.Problem;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.crm.CrmService;
import dev.valjean.mail.LayoutStore;
import dev.valjean.mail.Links;
import dev.valjean.mail.Markdown;
import dev.valjean.mail.PostalAddress;
import io.quarkus.logging.Log;

/**
 * Sequences and enrollments. Enrolling is one person at a time, by sales, and only when the
 * person is already in a conversation: on the named open opportunity (acceleration) or at a
 * customer account (customer success), and neither opted out nor suppressed. Enrollments end,
 * with a reason, as soon as that conversation does.
 */
@ApplicationScoped
public class NurtureService {

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;
    @jakarta.inject.Inject
    dev.valjean.events.Events events;

    /**
     * One step: wait {@code delayHours} or {@code delayBusinessDays} after the previous step (or
     * the enrollment), then send {@code subject} with the layout {@code template} from
     * {@code templates/nurture/} (default "default"), which shows the Markdown {@code body}.
     */
    public record Step(Integer delayHours, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "2") Integer delayBusinessDays, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Where the pilot stands") String subject, String template, @MultiLine @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Hello {name}, a short note on where the pilot stands.") String body) {

        String layout() {
            return template == null ? "default" : template;
        }
    }

    /** What a nurture layout must show in both variants. */
    static final Map<String, String> REQUIRED = Map.of(
            "unsubscribeUrl", "the one-click opt-out link {unsubscribeUrl}",
            "postalAddress", "the postal address {postalAddress}");

    private static final TypeReference<List<Step>> STEPS = new TypeReference<>() {
    };

    private final ContactService contacts;
    private final ObjectMapper json;
    private final Sql sql;
    private final Clock clock;
    private final LayoutStore layouts;
    private final PostalAddress postalAddress;
    private final NurtureConfig config;
    private final EnrollmentBasis basis;
    private final Links links;
    private final SendWindow window;
    private final ZoneId defaultZone;

    public NurtureService(ContactService contacts, ObjectMapper json, Sql sql, Clock clock, LayoutStore layouts, PostalAddress postalAddress,
            NurtureConfig config, EnrollmentBasis basis, Links links) {
        this.contacts = contacts;
        this.json = json;
        this.sql = sql;
        this.clock = clock;
        this.layouts = layouts;
        this.postalAddress = postalAddress;
        this.config = config;
        this.basis = basis;
        this.links = links;
        this.window = SendWindow.of(config);
        this.defaultZone = ZoneId.of(config.defaultTimeZone());
    }

    /** The business-hours and frequency-cap rules in force. */
    SendWindow window() {
        return window;
    }

    @Transactional
    public long createSequence(String name, SequencePurpose purpose, List<Step> steps) {
        checkSteps(steps);
        long id;
        try {
            id = sql.firstLong("INSERT INTO sequence (name, purpose, steps, created_at) VALUES (?, ?, ?::jsonb, ?) RETURNING id",
                    name.strip(), purpose, json.writeValueAsString(steps), clock.instant()).orElseThrow();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        audit.record("sequence.created", "sequence", id, Map.of("steps", steps.size()));
        return id;
    }

    /**
     * Changes a sequence's name and steps (its purpose stays). People in it get the new steps from
     * the one they are at; someone already past the new last step has completed it.
     */
    @Transactional
    public void changeSequence(long id, String name, List<Step> steps) {
        if (name == null || name.isBlank() || name.length() > 200) {
            throw ValjeanException.field("INVALID_SEQUENCE", "name", "Name the sequence (at most 200 characters).");
        }
        checkSteps(steps);
        int changed;
        try {
            changed = sql.update("UPDATE sequence SET name = ?, steps = ?::jsonb WHERE id = ?", name.strip(), json.writeValueAsString(steps), id);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        if (changed == 0) {
            throw ValjeanException.notFound("Sequence " + id);
        }
        List<Long> past = sql.longs("SELECT id FROM enrollment WHERE sequence_id = ? AND status = 'ACTIVE' AND next_step >= ? FOR UPDATE",
                id, steps.size());
        endAll(past, EnrollmentBasis.COMPLETED);
        audit.record("sequence.changed", "sequence", id, Map.of("steps", steps.size(), "completedByTheChange", past.size()));
    }

    /** A sequence as stored, to edit it. */
    public record SequenceView(long id, String name, SequencePurpose purpose, List<Step> steps, long active) {
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<SequenceView> sequence(long id) {
        return sql.rows("""
                SELECT s.id, s.name, s.purpose, s.steps::text AS steps,
                       (SELECT count(*) FROM enrollment e WHERE e.sequence_id = s.id AND e.status = 'ACTIVE') AS active
                FROM sequence s WHERE s.id = ?""", id).stream().findFirst()
                .map(r -> new SequenceView(id, (String) r.get("name"), SequencePurpose.valueOf((String) r.get("purpose")),
                        steps((String) r.get("steps")), ((Number) r.get("active")).longValue()));
    }

    /** Sequences newest first, {@code limit} at a time, older than {@code beforeId} when given; optionally of one purpose. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SequenceView> sequences(SequencePurpose purpose, Long beforeId, int limit) {
        return sql.rows("""
                SELECT s.id, s.name, s.purpose, s.steps::text AS steps,
                       (SELECT count(*) FROM enrollment e WHERE e.sequence_id = s.id AND e.status = 'ACTIVE') AS active
                FROM sequence s WHERE (?::text IS NULL OR s.purpose = ?) AND (?::bigint IS NULL OR s.id < ?)
                ORDER BY s.id DESC LIMIT ?""", purpose == null ? null : purpose.name(), purpose == null ? null : purpose.name(), beforeId,
                beforeId, limit).stream()
                .map(r -> new SequenceView(((Number) r.get("id")).longValue(), (String) r.get("name"),
                        SequencePurpose.valueOf((String) r.get("purpose")), steps((String) r.get("steps")), ((Number) r.get("active")).longValue()))
                .toList();
    }

    /** Every sequence with how many people are in it now. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SequenceView> allSequences() {
        return sql.rows("""
                SELECT s.id, s.name, s.purpose, s.steps::text AS steps,
                       (SELECT count(*) FROM enrollment e WHERE e.sequence_id = s.id AND e.status = 'ACTIVE') AS active
                FROM sequence s ORDER BY lower(s.name), s.id LIMIT 500""").stream()
                .map(r -> new SequenceView(((Number) r.get("id")).longValue(), (String) r.get("name"),
                        SequencePurpose.valueOf((String) r.get("purpose")), steps((String) r.get("steps")), ((Number) r.get("active")).longValue()))
                .toList();
    }

    /**
     * The API's checks, each beside its field ({@code steps[i].delay}, {@code .subject},
     * {@code .body}, {@code .layout}): 1 to 20 steps, one delay each, a one-line subject, a body
     * of at most 3000 characters, and a layout that shows the opt-out link and postal address.
     */
    void checkSteps(List<Step> steps) {
        if (steps == null || steps.isEmpty() || steps.size() > 20) {
            throw ValjeanException.field("STEP_COUNT", "steps", "A sequence has 1 to 20 steps.");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        String code = "INVALID_STEP";
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            String at = "steps[" + i + "].";
            if (s == null) {
                errors.add(new Problem.FieldError("steps[" + i + "]", "is empty"));
                continue;
            }
            boolean oneDelay = (s.delayHours() == null) != (s.delayBusinessDays() == null);
            if (!oneDelay || (s.delayHours() != null && (s.delayHours() < 0 || s.delayHours() > 24 * 90))
                    || (s.delayBusinessDays() != null && (s.delayBusinessDays() < 0 || s.delayBusinessDays() > 60))) {
                errors.add(new Problem.FieldError(at + "delay", "one delay: 0 to 2160 hours, or 0 to 60 business days"));
            }
            if (blank(s.subject()) || s.subject().length() > 150 || s.subject().chars().anyMatch(Character::isISOControl)) {
                errors.add(new Problem.FieldError(at + "subject", "one line of 1 to 150 characters"));
            }
            if (s.body() != null && s.body().length() > 3000) {
                errors.add(new Problem.FieldError(at + "body", "at most 3000 characters (it has " + s.body().length() + ")"));
            }
            try {
                LayoutStore.Layout layout = layouts.load("nurture", s.layout());
                layouts.check(layout, sample(s), REQUIRED);
            } catch (ValjeanException e) {
                errors.add(new Problem.FieldError(at + "layout", e.getMessage()));
                code = e.code;
            }
        }
        if (!errors.isEmpty()) {
            throw ValjeanException.fields(code, errors.stream().map(e -> e.field() + ": " + e.message())
                    .reduce((a, b) -> a + "; " + b).orElse(""), errors);
        }
    }

    /** One step as a person would receive it: their name, the reason for this kind of sequence, the sender, a preview opt-out link. */
    public record StepPreview(String from, String subject, String html, String text) {
    }

    public StepPreview preview(Step step, SequencePurpose purpose, String sequenceName, String personName, String owner, String defaultFrom) {
        Map<String, Object> data = data(step, personName, sequenceName, reasonFor(purpose), links.base() + "/nurture/opt-out/preview");
        LayoutStore.Layout layout = layouts.load("nurture", step.layout());
        String sender = purpose == SequencePurpose.SALES_ACCELERATION ? StepService.ownerAsSender(owner, defaultFrom) : null;
        return new StepPreview(sender != null ? sender : defaultFrom, step.subject(), layouts.render(layout, "html", data),
                layouts.render(layout, "txt", data));
    }

    /** Why the person gets a sequence's emails, as the emails say it. */
    static String reasonFor(SequencePurpose purpose) {
        return purpose == SequencePurpose.SALES_ACCELERATION ? "you are in an open conversation with our team"
                : "your organisation is our customer";
    }

    private Map<String, Object> sample(Step step) {
        return data(step, "Alex Example", "Sample sequence", "you are talking with us", links.base() + "/nurture/opt-out/preview");
    }

    /** The values a nurture layout sees. */
    Map<String, Object> data(Step step, String contactName, String sequenceName, String reason, String optOutUrl) {
        Map<String, Object> data = new HashMap<>();
        data.put("subject", step.subject());
        data.put("body", Map.of("html", new io.quarkus.qute.RawString(Markdown.html(step.body())),
                "text", Markdown.text(step.body())));
        data.put("contact", Map.of("name", contactName == null ? "" : contactName));
        data.put("sequence", Map.of("name", sequenceName));
        data.put("reason", reason);
        data.put("unsubscribeUrl", optOutUrl);
        data.put("postalAddress", postalAddress());
        return data;
    }

    String postalAddress() {
        return postalAddress.resolve(null);
    }

    List<Step> steps(String stepsJson) {
        try {
            return json.readValue(stepsJson, STEPS);
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
        Eligible e = eligible(sequenceId, email, opportunityExternalId);
        Map<String, Object> sequence = e.sequence();
        long contactId = e.contactId();
        Long opportunityId = e.opportunityId();
        Long accountId = e.accountId();
        Instant now = clock.instant();
        Step first = steps((String) sequence.get("steps")).get(0);
        // Two enrollments racing for one person: the partial unique index lets one in, the other is told.
        long enrollment = sql.firstLong("""
                INSERT INTO enrollment (sequence_id, contact_id, opportunity_id, account_id, status, next_step, next_due_at,
                                        enrolled_by, created_at)
                VALUES (?, ?, ?, ?, 'ACTIVE', 0, ?, ?, ?)
                ON CONFLICT (sequence_id, contact_id) WHERE status = 'ACTIVE' DO NOTHING RETURNING id""", sequenceId,
                contactId, opportunityId, accountId, dueAfter(now, first, zoneOf(contactId)), tokenId, now)
                .orElseThrow(() -> ValjeanException.conflict("ALREADY_ENROLLED", "This person is in this sequence already."));
        audit.record("enrollment.started", "enrollment", enrollment, Map.of("sequence", sequenceId));
        events.emit("enrollment.started", contactId, Map.of("enrollmentId", enrollment, "sequenceId", sequenceId));
        return enrollment;
    }

    /** When a step falls due, counted from {@code from}. */
    Instant dueAfter(Instant from, Step step, ZoneId zone) {
        return step.delayHours() != null ? from.plus(java.time.Duration.ofHours(step.delayHours()))
                : window.plusBusinessDays(from, step.delayBusinessDays(), zone);
    }

    ZoneId zoneOf(long contactId) {
        return zone(sql.rows("SELECT time_zone FROM contact WHERE id = ?", contactId).stream().findFirst()
                .map(r -> (String) r.get("time_zone")).orElse(null));
    }

    /** The zone a person's business hours are counted in: theirs, else the configured default. */
    ZoneId zone(String stored) {
        return stored != null ? ZoneId.of(stored) : defaultZone;
    }

    /** The person's one-click opt-out from every sequence; true when the link was genuine. Repeating it changes nothing. */
    @Transactional
    public boolean optOut(String token) {
        Long contactId = links.contactOfNurtureOptOut(token);
        Optional<Contact> contact = contactId == null ? Optional.empty() : Contact.findByIdOptional(contactId);
        if (contact.isEmpty()) {
            return false;
        }
        sql.update("INSERT INTO nurture_opt_out (email_hash, created_at) VALUES (?, ?) ON CONFLICT (email_hash) DO NOTHING",
                contact.get().emailHash, clock.instant());
        int ended = endAllOf(contactId, "OPTED_OUT");
        Log.infof("Contact %d opted out of nurture; %d enrollment(s) ended", contactId, ended);
        return true;
    }

    /** The person wrote back: the conversation is human now, so every sequence of theirs ends. */
    @Transactional
    public int replied(String email) {
        Contact contact = Contact.findByHash(contacts.hashOf(EmailAddress.parse(email)))
                .orElseThrow(() -> ValjeanException.notFound("Contact"));
        return endAllOf(contact.id, "REPLIED");
    }

    /** Sales stops one enrollment by hand. */
    @Transactional
    public void stop(long enrollmentId) {
        if (sql.firstLong("SELECT id FROM enrollment WHERE id = ?", enrollmentId).isEmpty()) {
            throw ValjeanException.notFound("Enrollment " + enrollmentId);
        }
        endAll(List.of(enrollmentId), "STOPPED");
        audit.record("enrollment.stopped", "enrollment", enrollmentId, Map.of());
    }

    /** A deal or account changed: end, now, the enrollments on it whose basis is gone. */
    void onCrmChange(@Observes CrmService.Changed change) {
        List<Long> active = change.opportunityId() != null
                ? sql.longs("SELECT id FROM enrollment WHERE opportunity_id = ? AND status = 'ACTIVE'", change.opportunityId())
                : List.of();
        if (change.accountId() != null) {
            active = new ArrayList<>(active);
            active.addAll(sql.longs("SELECT id FROM enrollment WHERE account_id = ? AND status = 'ACTIVE'", change.accountId()));
        }
        endWithReasons(basis.exitReasons(active));
    }

    /** Ends each enrollment with its reason; set-based, one statement per distinct reason. */
    void endWithReasons(Map<Long, String> reasons) {
        Map<String, List<Long>> byReason = new LinkedHashMap<>();
        reasons.forEach((id, reason) -> byReason.computeIfAbsent(reason, r -> new ArrayList<>()).add(id));
        byReason.forEach((reason, ids) -> endAll(ids, reason));
    }

    /** Ends every sequence of one person (a reply, an opt-out, erasure). */
    public int endAllOf(long contactId, String reason) {
        return endAll(sql.longs("SELECT id FROM enrollment WHERE contact_id = ?", contactId), reason);
    }

    /**
     * Ends these enrollments if active, and completed ones whose last step still waits in the
     * outbox, so that step is skipped; enrollments that are over stay as they ended.
     */
    int endAll(List<Long> enrollmentIds, String reason) {
        if (enrollmentIds.isEmpty()) {
            return 0;
        }
        // An enrollment that had completed ends again only to skip its last waiting step: the world heard it end already.
        var ended = sql.rows("""
                UPDATE enrollment e SET status = 'ENDED', ended_reason = ?, ended_at = ?, next_due_at = NULL
                FROM (SELECT id, status AS was FROM enrollment WHERE id = ANY (?)) before
                WHERE e.id = before.id AND (e.status = 'ACTIVE' OR (e.ended_reason = ? AND EXISTS (
                    SELECT 1 FROM enrollment_step es JOIN outbox ob ON ob.id = es.outbox_id
                    WHERE es.enrollment_id = e.id AND ob.status = 'QUEUED')))
                RETURNING e.id, e.contact_id, e.sequence_id, before.was""",
                reason, clock.instant(), enrollmentIds, EnrollmentBasis.COMPLETED);
        for (var r : ended) {
            if ("ACTIVE".equals(r.get("was"))) {
                events.emit("enrollment.ended", ((Number) r.get("contact_id")).longValue(), Map.of("enrollmentId", r.get("id"),
                        "sequenceId", r.get("sequence_id"), "reason", reason));
            }
        }
        return ended.size();
    }

    /** Enrollments by opportunity and/or person, each with every step's state and, when ended, why. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<EnrollmentView> enrollments(String opportunityExternalId, String email) {
        Long contactId = email == null ? null
                : Contact.findByHash(contacts.hashOf(EmailAddress.parse(email))).map(c -> c.id).orElse(-1L);
        if (opportunityExternalId != null && contactId != null) {
            return views("e.opportunity_id = (SELECT id FROM opportunity WHERE external_id = ?) AND e.contact_id = ?", opportunityExternalId,
                    contactId);
        }
        if (opportunityExternalId != null) {
            return views("e.opportunity_id = (SELECT id FROM opportunity WHERE external_id = ?)", opportunityExternalId);
        }
        return contactId != null ? views("e.contact_id = ?", contactId) : views("true");
    }

    /** Every enrollment of these people (all at once, for an account's page). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<EnrollmentView> enrollmentsOf(List<String> emails) {
        List<String> hashes = emails.stream().map(e -> contacts.hashOf(EmailAddress.parse(e))).toList();
        return views("e.contact_id IN (SELECT id FROM contact WHERE email_hash = ANY (?))", (Object) hashes.toArray(String[]::new));
    }

    private List<EnrollmentView> views(String where, Object... params) {
        List<Map<String, Object>> list = sql.rows("""
                SELECT e.id, e.sequence_id, s.name AS sequence_name, s.purpose, c.email, c.id AS contact_id, c.time_zone,
                       o.external_id AS opportunity,
                       e.status, e.ended_reason, e.next_step, e.next_due_at, e.created_at, e.ended_at, s.steps::text AS steps_json
                FROM enrollment e JOIN sequence s ON s.id = e.sequence_id JOIN contact c ON c.id = e.contact_id
                LEFT JOIN opportunity o ON o.id = e.opportunity_id
                WHERE\s""" + where + " ORDER BY e.id LIMIT 1000", params);
        if (list.isEmpty()) {
            return List.of();
        }
        Map<Long, Map<Integer, Map<String, Object>>> queued = new HashMap<>();
        for (Map<String, Object> r : sql.rows("""
                SELECT es.enrollment_id, es.step, es.queued_at, ob.status, ob.status_reason, ob.sent_at
                FROM enrollment_step es JOIN outbox ob ON ob.id = es.outbox_id WHERE es.enrollment_id = ANY (?)""",
                list.stream().map(e -> ((Number) e.get("id")).longValue()).toList())) {
            queued.computeIfAbsent(((Number) r.get("enrollment_id")).longValue(), k -> new HashMap<>())
                    .put(((Number) r.get("step")).intValue(), r);
        }
        // What a due step waits for, in words: the cap looks at each person's follow-ups of the last seven days.
        Instant now = clock.instant();
        Map<Long, List<Instant>> recent = new HashMap<>();
        for (Map<String, Object> r : sql.rows("""
                SELECT contact_id, created_at FROM outbox WHERE contact_id = ANY (?) AND purpose = 'NURTURE'
                AND status IN ('QUEUED', 'SENT') AND created_at > ? ORDER BY created_at DESC""",
                list.stream().map(e -> ((Number) e.get("contact_id")).longValue()).distinct().toList(), now.minus(SendWindow.WEEK))) {
            recent.computeIfAbsent(((Number) r.get("contact_id")).longValue(), k -> new ArrayList<>()).add((Instant) r.get("created_at"));
        }
        List<EnrollmentView> views = new ArrayList<>();
        for (Map<String, Object> e : list) {
            long id = ((Number) e.get("id")).longValue();
            String status = (String) e.get("status");
            int nextStep = ((Number) e.get("next_step")).intValue();
            Instant nextDueAt = (Instant) e.get("next_due_at");
            List<Step> steps = steps((String) e.get("steps_json"));
            Map<Integer, Map<String, Object>> mine = queued.getOrDefault(id, Map.of());
            List<StepView> stepViews = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                Map<String, Object> q = mine.get(i);
                if (q != null) {
                    stepViews.add(new StepView(i, steps.get(i).subject(), (String) q.get("status"), (String) q.get("status_reason"),
                            (Instant) q.get("queued_at"), (Instant) q.get("sent_at"), null, null));
                } else if ("ACTIVE".equals(status) && i == nextStep && nextDueAt != null) {
                    Waiting w = waiting(nextDueAt, now, recent.getOrDefault(((Number) e.get("contact_id")).longValue(), List.of()),
                            zone((String) e.get("time_zone")));
                    stepViews.add(new StepView(i, steps.get(i).subject(), "DUE", null, null, null, w.goes(), w.why()));
                } else {
                    stepViews.add(new StepView(i, steps.get(i).subject(), "ACTIVE".equals(status) ? "WAITING" : "NOT_SENT", null, null, null,
                            null, null));
                }
            }
            views.add(new EnrollmentView(id, ((Number) e.get("sequence_id")).longValue(), (String) e.get("sequence_name"),
                    (String) e.get("purpose"), (String) e.get("email"), (String) e.get("opportunity"), status, (String) e.get("ended_reason"),
                    nextStep, nextDueAt, (Instant) e.get("created_at"), (Instant) e.get("ended_at"), stepViews));
        }
        return views;
    }

    /** When a due step will go, and what it waits for in words (null when only its delay). */
    record Waiting(Instant goes, String why) {
    }

    /**
     * The send rules applied to a due step as the nurture job will apply them, in the person's
     * current time zone: a time zone changed since the step was scheduled moves it here too, and the
     * job, which checks the hours again when the step falls due, sends it then.
     */
    Waiting waiting(Instant dueAt, Instant now, List<Instant> recent, ZoneId zone) {
        SendWindow window = window();
        // The job stores the time a step was put off to, so the reason is read from the rules as they stand now.
        Instant capUntil = window.capFree(now, recent);
        boolean capped = capUntil.isAfter(now) && !dueAt.isAfter(capUntil);
        Instant base = dueAt.isBefore(now) ? now : dueAt;
        Instant goes = window.nextOpen(capped ? capUntil : base, zone);
        if (capped) {
            long hours = Math.max(1, java.time.Duration.between(recent.get(0), now).toHours());
            return new Waiting(goes, recent.size() >= window.maxPerWeek()
                    ? "frequency cap: " + recent.size() + " follow-ups in the last 7 days, at most " + window.maxPerWeek()
                    : "frequency cap: last follow-up " + hours + (hours == 1 ? " hour" : " hours") + " ago");
        }
        if (goes.isAfter(base) || goes.atZone(zone).toLocalTime().equals(window.start())) {
            return new Waiting(goes, "waiting for business hours in " + zone.getId() + ", "
                    + java.time.format.DateTimeFormatter.ofPattern("EEEE HH:mm", java.util.Locale.ENGLISH).withZone(zone).format(goes));
        }
        return new Waiting(goes, null);
    }

    /** An enrollment with the state of each of its steps. */
    public record EnrollmentView(long id, long sequence, String sequenceName, String purpose, String email, String opportunity, String status,
            String endedReason, int nextStep, Instant nextDueAt, Instant createdAt, Instant endedAt, List<StepView> steps) {
    }

    /** One step of an enrollment: sent (or skipped, failed) with its times, due with its time, waiting, or not sent. */
    @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
    public record StepView(int step, String subject, String state, String reason, Instant queuedAt, Instant sentAt, Instant dueAt,
            String waiting) {
    }

    /** What an enrollment may start from: the sequence, the person, and the deal or customer account it rests on. */
    private record Eligible(Map<String, Object> sequence, long contactId, Long opportunityId, Long accountId) {
    }

    /**
     * Why this person may not be enrolled in this sequence now, in the words the API answers with
     * (the same checks as {@link #enroll}); empty when they may.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> whyNot(long sequenceId, String email, String opportunityExternalId) {
        return Optional.ofNullable(whyNot(sequenceId, List.of(email), opportunityExternalId).get(email));
    }

    /** The same for several people at once (a deal's committee, an account's people): address to reason, absent when they may. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<String, String> whyNot(long sequenceId, List<String> emails, String opportunityExternalId) {
        Map<String, String> why = new HashMap<>();
        judge(sequenceId, emails, opportunityExternalId).forEach((email, verdict) -> {
            if (verdict instanceof ValjeanException refused) {
                why.put(email, refused.getMessage());
            }
        });
        return why;
    }

    /** The sequences of a purpose, by name. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<SequenceLine> sequences(SequencePurpose purpose) {
        return sql.rows("SELECT id, name FROM sequence WHERE purpose = ? ORDER BY lower(name), id", purpose).stream()
                .map(r -> new SequenceLine(((Number) r.get("id")).longValue(), (String) r.get("name"))).toList();
    }

    /** A sequence on a list. */
    public record SequenceLine(long id, String name) {
    }

    private Eligible eligible(long sequenceId, String email, String opportunityExternalId) {
        Object verdict = judge(sequenceId, List.of(email), opportunityExternalId).get(email);
        if (verdict instanceof ValjeanException refused) {
            throw refused;
        }
        return (Eligible) verdict;
    }

    /**
     * The enrollment rules for several people at once, a few set-based queries whatever their
     * number: for each address, the refusal (a ValjeanException in the API's words) or what
     * enrolling them rests on (an {@link Eligible}).
     */
    private Map<String, Object> judge(long sequenceId, List<String> emails, String opportunityExternalId) {
        Map<String, Object> sequence = sql.rows("SELECT name, purpose, steps::text AS steps FROM sequence WHERE id = ?", sequenceId)
                .stream().findFirst().orElseThrow(() -> ValjeanException.notFound("Sequence " + sequenceId));
        SequencePurpose purpose = SequencePurpose.valueOf((String) sequence.get("purpose"));
        Map<String, Object> verdicts = new LinkedHashMap<>();
        Map<String, String> hashes = new LinkedHashMap<>();
        for (String email : emails) {
            try {
                hashes.put(email, contacts.hashOf(EmailAddress.parse(email)));
            } catch (ValjeanException e) {
                verdicts.put(email, e);
            }
        }
        String[] hashArray = hashes.values().toArray(String[]::new);
        Map<String, Long> byHash = new HashMap<>();
        java.util.Set<Long> erased = new java.util.HashSet<>();
        sql.rows("SELECT id, email_hash, erased_at FROM contact WHERE email_hash = ANY (?)", (Object) hashArray).forEach(r -> {
            long id = ((Number) r.get("id")).longValue();
            byHash.put((String) r.get("email_hash"), id);
            if (r.get("erased_at") != null) {
                erased.add(id);
            }
        });
        Long[] contactIds = byHash.values().toArray(Long[]::new);
        Long opportunityId = null;
        ValjeanException forAll = null;
        java.util.Set<Long> onIt = new java.util.HashSet<>();
        Map<Long, Long> customerAccount = new HashMap<>();
        if (purpose == SequencePurpose.SALES_ACCELERATION) {
            Optional<Map<String, Object>> opp = opportunityExternalId == null ? Optional.empty()
                    : sql.rows("SELECT id, status FROM opportunity WHERE external_id = ?", opportunityExternalId).stream().findFirst();
            if (opportunityExternalId == null) {
                forAll = refuse("NO_OPEN_OPPORTUNITY", "An acceleration sequence runs on one open opportunity; name it.");
            } else if (opp.isEmpty() || !"OPEN".equals(opp.get().get("status"))) {
                forAll = refuse("NO_OPEN_OPPORTUNITY", "Opportunity '" + opportunityExternalId + "' is "
                        + (opp.isEmpty() ? "unknown" : opp.get().get("status")) + "; sequences run on open deals only.");
            } else {
                opportunityId = ((Number) opp.get().get("id")).longValue();
                onIt.addAll(sql.longs("SELECT contact_id FROM opportunity_contact WHERE opportunity_id = ? AND contact_id = ANY (?)",
                        opportunityId, (Object) contactIds));
            }
        } else {
            sql.rows("""
                    SELECT DISTINCT ON (oc.contact_id) oc.contact_id, a.id FROM opportunity_contact oc JOIN opportunity o ON o.id = oc.opportunity_id
                    JOIN account a ON a.id = o.account_id WHERE oc.contact_id = ANY (?) AND a.customer ORDER BY oc.contact_id, a.id""",
                    (Object) contactIds).forEach(r -> customerAccount.put(((Number) r.get("contact_id")).longValue(), ((Number) r.get("id")).longValue()));
        }
        // The reasons in words with their dates, as the console shows them where a button would be.
        Map<String, Map<String, Instant>> suppressed = new HashMap<>();
        sql.rows("SELECT email_hash, reason, created_at FROM suppression WHERE email_hash = ANY (?) ORDER BY created_at", (Object) hashArray)
                .forEach(r -> suppressed.computeIfAbsent((String) r.get("email_hash"), k -> new java.util.LinkedHashMap<>())
                        .putIfAbsent((String) r.get("reason"), (Instant) r.get("created_at")));
        Map<String, Instant> optedOut = new HashMap<>();
        sql.rows("SELECT email_hash, created_at FROM nurture_opt_out WHERE email_hash = ANY (?)", (Object) hashArray)
                .forEach(r -> optedOut.put((String) r.get("email_hash"), (Instant) r.get("created_at")));
        java.util.Set<Long> active = new java.util.HashSet<>(sql.longs(
                "SELECT contact_id FROM enrollment WHERE sequence_id = ? AND status = 'ACTIVE' AND contact_id = ANY (?)", sequenceId,
                (Object) contactIds));
        for (Map.Entry<String, String> h : hashes.entrySet()) {
            Long id = byHash.get(h.getValue());
            Map<String, Instant> reasons = suppressed.getOrDefault(h.getValue(), Map.of());
            Object verdict;
            if (forAll != null) {
                verdict = forAll;
            } else if (purpose == SequencePurpose.SALES_ACCELERATION && !onIt.contains(id)) {
                verdict = refuse("NOT_ON_OPPORTUNITY", "This person is not on the buying committee of '" + opportunityExternalId + "'.");
            } else if (purpose != SequencePurpose.SALES_ACCELERATION && !customerAccount.containsKey(id)) {
                verdict = refuse("NOT_A_CUSTOMER", "This person does not belong to a customer account.");
            } else if (reasons.containsKey("GLOBAL_OPT_OUT")) {
                verdict = refuse("OPTED_OUT", "Opted out of all email from us on " + day(reasons.get("GLOBAL_OPT_OUT")) + ".");
            } else if (optedOut.containsKey(h.getValue())) {
                verdict = refuse("OPTED_OUT", "Opted out of follow-up emails on " + day(optedOut.get(h.getValue())) + ".");
            } else if (!reasons.isEmpty() || erased.contains(id)) {
                verdict = refuse("SUPPRESSED", "Suppressed: " + reasons.entrySet().stream()
                        .map(e -> SUPPRESSION_WORDS.getOrDefault(e.getKey(), e.getKey().toLowerCase(java.util.Locale.ROOT)) + " on " + day(e.getValue()))
                        .reduce((a, b) -> a + "; " + b).orElse("erased") + ".");
            } else if (active.contains(id)) {
                verdict = ValjeanException.conflict("ALREADY_ENROLLED", "Already in '" + sequence.get("name") + "'.");
            } else {
                verdict = new Eligible(sequence, id, opportunityId, purpose == SequencePurpose.SALES_ACCELERATION ? null : customerAccount.get(id));
            }
            verdicts.put(h.getKey(), verdict);
        }
        return verdicts;
    }

    private static final Map<String, String> SUPPRESSION_WORDS = Map.of("HARD_BOUNCE", "hard bounce", "COMPLAINT", "spam complaint",
            "ERASURE", "erased");
    private static final java.time.format.DateTimeFormatter DAY = java.time.format.DateTimeFormatter.ofPattern("d MMMM yyyy",
            java.util.Locale.ENGLISH).withZone(java.time.ZoneOffset.UTC);

    private static String day(Instant at) {
        return DAY.format(at);
    }

    private static ValjeanException refuse(String code, String detail) {
        return ValjeanException.invalid(code, detail);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
