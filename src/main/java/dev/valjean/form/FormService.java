package dev.valjean.form;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.abuse.AbuseGuard;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.newsletter.Newsletter;
import dev.valjean.sales.IdealCustomerProfile;
import dev.valjean.sales.SalesWebhook;
import dev.valjean.subscription.Source;
import dev.valjean.subscription.SubscriptionService;

/**
 * Forms of every kind. A gated download or an event registration is stored as a submission and
 * creates nothing else: no subscription, no enrollment, no sales request. The one way from such a
 * form to a newsletter is its unticked checkbox, ticked by the person, which starts the normal
 * double opt-in. No form of any kind can be configured to subscribe, list or enroll anyone.
 */
@ApplicationScoped
public class FormService {

    /** A form's public description. */
    public record FormView(String id, FormKind kind, String name, String newsletter, Instant createdAt, String contentUrl) {
    }

    static final int MAX_FIELDS = 30;
    static final int MAX_FIELD_LENGTH = 1000;
    /** Fields that are not stored with a submission: anti-abuse proofs and the honeypot. */
    static final List<String> TRANSIENT = List.of("altcha", "website", "captcha", "formToken");

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;

    private final ContactService contacts;
    private final IdealCustomerProfile icp;
    private final SalesWebhook webhook;
    private final SubscriptionService subscriptions;
    private final AbuseGuard guard;
    private final ObjectMapper json;
    private final Sql sql;
    private final Clock clock;

    @jakarta.inject.Inject
    dev.valjean.events.Events events;

    public FormService(ContactService contacts, IdealCustomerProfile icp, SalesWebhook webhook, SubscriptionService subscriptions, AbuseGuard guard, ObjectMapper json, Sql sql,
            Clock clock) {
        this.contacts = contacts;
        this.icp = icp;
        this.webhook = webhook;
        this.subscriptions = subscriptions;
        this.guard = guard;
        this.json = json;
        this.sql = sql;
        this.clock = clock;
    }

    @Transactional
    public FormView create(FormKind kind, String name, String newsletterSlug, List<String> actions) {
        return create(kind, name, newsletterSlug, actions, null);
    }

    /** A form; {@code contentUrl} is what the hosted page gives after a submission (the download, the event's page). */
    @Transactional
    public FormView create(FormKind kind, String name, String newsletterSlug, List<String> actions, String contentUrl) {
        String content = contentUrl == null || contentUrl.isBlank() ? null : contentUrl.strip();
        if (content != null && (content.length() > 2000 || !content.matches("https?://[^\\s<>\"]+"))) {
            throw ValjeanException.field("FORM_CONTENT_URL", "contentUrl", "A link starting with https:// (or http://), at most 2000 characters.");
        }
        if (actions != null && !actions.isEmpty()) {
            throw ValjeanException.invalid("FORM_ACTION_NOT_ALLOWED", kind.isGated()
                    ? "A " + kind + " form records the submission and nothing more; it cannot subscribe, list or enroll anyone ("
                            + actions + "). Offer an unticked newsletter checkbox instead (set 'newsletter')."
                    : "Forms take no actions " + actions + ": subscribing needs a double opt-in, and sequences are started by "
                            + "sales on an open deal, never by a form.");
        }
        Long newsletterId = null;
        if (newsletterSlug != null) {
            if (kind.asksForSales()) {
                throw ValjeanException.invalid("FORM_NEWSLETTER_NOT_ALLOWED", "A " + kind + " form has no newsletter checkbox.");
            }
            newsletterId = Newsletter.findBySlug(newsletterSlug).map(n -> n.id)
                    .orElseThrow(() -> ValjeanException.invalid("UNKNOWN_NEWSLETTER", "There is no newsletter '" + newsletterSlug + "'."));
        } else if (kind == FormKind.NEWSLETTER_SIGNUP) {
            throw ValjeanException.invalid("NEWSLETTER_REQUIRED", "A newsletter sign-up form names its newsletter.");
        }
        String publicId = Signing.randomToken(12);
        Instant now = clock.instant();
        sql.update("INSERT INTO form (public_id, kind, name, newsletter_id, created_at, content_url) VALUES (?, ?, ?, ?, ?, ?)", publicId,
                kind, name.strip(), newsletterId, now, content);
        audit.record("form.created", "form", publicId, Map.of("kind", kind.name()));
        return new FormView(publicId, kind, name.strip(), newsletterSlug, now, content);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<FormView> list() {
        return sql.rows("""
                SELECT f.public_id, f.kind, f.name, n.slug, f.created_at, f.content_url FROM form f LEFT JOIN newsletter n ON n.id = f.newsletter_id
                ORDER BY f.id""").stream().map(FormService::view).toList();
    }

    /** One submission as the API lists it: who, what they typed, when (IP and user agent stay in the person's export). */
    public record SubmissionView(long id, String email, JsonNode fields, Instant createdAt) {
    }

    /** A form's submissions, newest first, {@code limit} at a time, older than {@code beforeId} when given; empty when there is no such form. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public java.util.Optional<List<SubmissionView>> submissions(String publicId, Long beforeId, int limit) {
        java.util.Optional<Long> form = sql.firstLong("SELECT id FROM form WHERE public_id = ?", publicId);
        return form.map(id -> sql.rows("""
                SELECT s.id, c.email, s.fields::text AS fields, s.created_at FROM form_submission s JOIN contact c ON c.id = s.contact_id
                WHERE s.form_id = ? AND (?::bigint IS NULL OR s.id < ?) ORDER BY s.id DESC LIMIT ?""", id, beforeId, beforeId, limit).stream()
                .map(r -> new SubmissionView(((Number) r.get("id")).longValue(), (String) r.get("email"), tree((String) r.get("fields")),
                        (Instant) r.get("created_at"))).toList());
    }

    private JsonNode tree(String text) {
        try {
            return json.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a stored submission is not JSON", e);
        }
    }

    /** One form by its public id. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public java.util.Optional<FormView> find(String publicId) {
        return sql.rows("""
                SELECT f.public_id, f.kind, f.name, n.slug, f.created_at, f.content_url FROM form f LEFT JOIN newsletter n ON n.id = f.newsletter_id
                WHERE f.public_id = ?""", publicId).stream().findFirst().map(FormService::view);
    }

    /** Submissions per form (by public id). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<String, Long> submissionCounts() {
        Map<String, Long> counts = new java.util.HashMap<>();
        sql.rows("SELECT f.public_id, (SELECT count(*) FROM form_submission s WHERE s.form_id = f.id) AS n FROM form f")
                .forEach(r -> counts.put((String) r.get("public_id"), ((Number) r.get("n")).longValue()));
        return counts;
    }

    /**
     * A public submission. Passes the same anti-abuse checks as a sign-up (unless the caller is
     * authenticated), then does exactly what the form's kind allows.
     */
    @Transactional
    public void submit(String publicId, Map<String, String> fields, String ip, String userAgent, boolean authenticated) {
        submit(publicId, fields, ip, userAgent, authenticated, false);
    }

    /** As above; {@code hosted} is true for Valjean's own page of the form, whose one-time form token stands in for the challenge without JavaScript. */
    @Transactional
    public void submit(String publicId, Map<String, String> fields, String ip, String userAgent, boolean authenticated, boolean hosted) {
        Map<String, Object> form = sql.rows("""
                SELECT f.id, f.kind, f.name, n.slug FROM form f LEFT JOIN newsletter n ON n.id = f.newsletter_id WHERE f.public_id = ?""",
                publicId).stream().findFirst().orElseThrow(() -> ValjeanException.notFound("Form '" + publicId + "'"));
        if (!guard.screen(ip, fields.get("website"), authenticated)) {
            return;
        }
        FormKind kind = FormKind.valueOf((String) form.get("kind"));
        String slug = (String) form.get("slug");
        String email = fields.get("email");
        EmailAddress.parse(email);
        Map<String, String> kept = new LinkedHashMap<>();
        fields.forEach((k, v) -> {
            if (!TRANSIENT.contains(k)) {
                kept.put(k, v);
            }
        });
        if (kept.size() > MAX_FIELDS || kept.entrySet().stream()
                .anyMatch(e -> e.getKey().length() > 100 || (e.getValue() != null && e.getValue().length() > MAX_FIELD_LENGTH))) {
            throw ValjeanException.invalid("FORM_TOO_LARGE", "A submission has at most " + MAX_FIELDS + " fields of at most "
                    + MAX_FIELD_LENGTH + " characters.");
        }
        boolean ticked = "true".equals(fields.get("subscribeNewsletter")) || "on".equals(fields.get("subscribeNewsletter"));
        SubscriptionService.Signup signup = new SubscriptionService.Signup(email, fields.get("name"),
                slug == null ? List.of() : List.of(slug), kind == FormKind.NEWSLETTER_SIGNUP ? parseConsent(fields) : ticked,
                null, Source.FORM, fields.get("page"), ip, userAgent);
        List<SubscriptionService.Chosen> chosen = null;
        if (kind == FormKind.NEWSLETTER_SIGNUP || (ticked && slug != null)) {
            chosen = subscriptions.validate(signup);
        }
        if (!authenticated) {
            guard.check(new AbuseGuard.Proof(ip, fields.get("altcha"), hosted ? fields.get("formToken") : null, fields.get("captcha")), hosted);
        }
        if (kind == FormKind.NEWSLETTER_SIGNUP) {
            subscriptions.request(signup, chosen);
            return;
        }
        Contact contact = contacts.findOrCreate(EmailAddress.parse(email), blankToNull(fields.get("name")));
        long submission = sql.firstLong("""
                INSERT INTO form_submission (form_id, contact_id, fields, ip, user_agent, created_at)
                VALUES (?, ?, ?::jsonb, ?, ?, ?) RETURNING id""", form.get("id"), contact.id, toJson(kept), Text.clip(ip, 64),
                Text.clip(userAgent, 500), clock.instant()).orElseThrow();
        if (kind.asksForSales()) {
            IdealCustomerProfile.Fit fit = icp.assess(kept);
            boolean post = fit.fits() && webhook.configured();
            long request = sql.firstLong("""
                    INSERT INTO sales_request (submission_id, contact_id, kind, created_at, qualified, fit_reasons, webhook_status,
                                               next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""", submission, contact.id, kind, clock.instant(), fit.fits(),
                    String.join("; ", fit.reasons()), post ? "PENDING" : "NOT_POSTED", post ? clock.instant() : null).orElseThrow();
            events.emit("sales_request.created", contact.id, Map.of("salesRequestId", request, "kind", kind.name(), "qualified", fit.fits(),
                    "formId", publicId));
        } else if (chosen != null) {
            // The person ticked the newsletter box themselves: the normal double opt-in, nothing more.
            subscriptions.request(signup, chosen);
        }
    }

    private static Boolean parseConsent(Map<String, String> fields) {
        String c = fields.get("consent");
        return "true".equals(c) || "on".equals(c);
    }

    private String toJson(Map<String, String> fields) {
        try {
            return json.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static FormView view(Map<String, Object> r) {
        return new FormView((String) r.get("public_id"), FormKind.valueOf((String) r.get("kind")), (String) r.get("name"),
                (String) r.get("slug"), (Instant) r.get("created_at"), (String) r.get("content_url"));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
