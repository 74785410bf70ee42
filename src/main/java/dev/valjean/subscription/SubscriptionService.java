package dev.valjean.subscription;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.consent.ConsentLedger;
import dev.valjean.consent.LedgerEvent;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import dev.valjean.newsletter.Cadence;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.logging.Log;

/**
 * Double opt-in. A sign-up creates a pending request and sends one confirmation email through
 * the outbox; only the POST of its link confirms. Every step is written to the consent ledger.
 */
@ApplicationScoped
public class SubscriptionService {

    /** A validated sign-up as any of the three ways to subscribe delivers it. */
    public record Signup(String email, String name, List<String> newsletters, Boolean consent, Integer consentVersion,
            Source source, String page, String ip, String userAgent) {
    }

    /** A newsletter a person chose, with the consent text version they were shown. */
    public record Chosen(long newsletterId, String name, Cadence cadence, String senderName, String senderAddress,
            long consentTextId) {

        /** The From header of the newsletter's mail, as {@link Newsletter#fromHeader()} writes it. */
        public String fromHeader() {
            return Newsletter.fromHeader(senderName, senderAddress);
        }
    }

    /** How a confirmation attempt ended. */
    public enum Outcome {
        /** The link is valid and waits for its POST. */
        PENDING,
        CONFIRMED, ALREADY_CONFIRMED, EXPIRED, NOT_FOUND
    }

    /** The result of opening or posting a confirmation link. */
    public record Confirmation(Outcome outcome, List<Newsletter> newsletters) {
    }

    public static final int MAX_NEWSLETTERS_PER_REQUEST = 10;

    /** A new sign-up request's id, taken with its contact's lock. */
    private static final Sql.Query NEXT_REQUEST_ID = new Sql.Query("SELECT nextval('subscription_request_id_seq') AS id");

    private final ContactService contacts;
    private final ConsentLedger ledger;
    private final ConfirmationMail mail;
    private final SubscriptionConfig config;
    private final Sql sql;
    private final Clock clock;

    public SubscriptionService(ContactService contacts, ConsentLedger ledger, ConfirmationMail mail, SubscriptionConfig config,
            Sql sql, Clock clock) {
        this.contacts = contacts;
        this.ledger = ledger;
        this.mail = mail;
        this.config = config;
        this.sql = sql;
        this.clock = clock;
    }

    /**
     * Validates a sign-up; bad input is refused with 422 before anything is stored. Returns what
     * {@link #request} needs.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Chosen> validate(Signup s) {
        LinkedHashSet<String> slugs = checkFields(s);
        return chosen(slugs, s.consentVersion(), found(sql.all(List.of(newslettersQuery(wanted(slugs, s.consentVersion())))).get(0)));
    }

    /**
     * The checks of a sign-up that need no database: consent, address, name, how many newsletters.
     * Throws 422 for the first that fails; returns the newsletters' slugs, each once, in order.
     */
    public static LinkedHashSet<String> checkFields(Signup s) {
        if (!Boolean.TRUE.equals(s.consent())) {
            throw ValjeanException.field("CONSENT_REQUIRED", "consent",
                    "Tick the box to say you want to receive it: we only subscribe people who ask.");
        }
        EmailAddress.parse(s.email());
        if (s.name() != null && (s.name().length() > 200 || s.name().chars().anyMatch(Character::isISOControl))) {
            throw ValjeanException.invalid("INVALID_NAME", "The name must be one line of at most 200 characters.");
        }
        if (s.newsletters() == null || s.newsletters().isEmpty()) {
            throw ValjeanException.invalid("NEWSLETTER_REQUIRED", "Name at least one newsletter to subscribe to.");
        }
        LinkedHashSet<String> slugs = new LinkedHashSet<>(s.newsletters());
        if (slugs.size() > MAX_NEWSLETTERS_PER_REQUEST) {
            throw ValjeanException.invalid("TOO_MANY_NEWSLETTERS",
                    "One request can name at most " + MAX_NEWSLETTERS_PER_REQUEST + " newsletters.");
        }
        return slugs;
    }

    /** A newsletter asked for by its slug, with the consent text version named (null: its current one). */
    public record Wanted(String slug, Integer version) {
    }

    /** What one sign-up asks for, as {@link #newslettersQuery} takes it. */
    public static List<Wanted> wanted(java.util.Collection<String> slugs, Integer version) {
        return slugs.stream().map(slug -> new Wanted(slug, version)).toList();
    }

    /**
     * The query that finds newsletters by slug, each with the consent text version named (its
     * current one when none is): one query for all the newsletters of one or many sign-ups, in SQL
     * rather than through Hibernate, as every sign-up asks it (docs/BENCHMARKS.md). For {@link #found}.
     */
    public static Sql.Query newslettersQuery(java.util.Collection<Wanted> wanted) {
        String[] slugs = wanted.stream().map(Wanted::slug).toArray(String[]::new);
        String[] versions = wanted.stream().map(w -> w.version() == null ? null : w.version().toString()).toArray(String[]::new);
        return new Sql.Query("""
                SELECT w.slug, w.version, n.id, n.name, n.cadence, n.sender_name, n.sender_address, t.id AS consent_text_id
                FROM unnest(?::text[], ?::int[]) AS w(slug, version)
                JOIN newsletter n ON n.slug = w.slug
                LEFT JOIN consent_text t ON t.newsletter_id = n.id
                    AND t.version = coalesce(w.version, (SELECT max(c.version) FROM consent_text c WHERE c.newsletter_id = n.id))""",
                slugs, versions);
    }

    /** The rows of {@link #newslettersQuery} by what was asked for; a newsletter not found has none. */
    public static Map<Wanted, Map<String, Object>> found(List<Map<String, Object>> rows) {
        Map<Wanted, Map<String, Object>> found = new HashMap<>();
        for (Map<String, Object> row : rows) {
            Number version = (Number) row.get("version");
            found.put(new Wanted((String) row.get("slug"), version == null ? null : version.intValue()), row);
        }
        return found;
    }

    /**
     * The newsletters of one sign-up from what {@link #newslettersQuery} found: throws 422 for the
     * first slug that names no newsletter, or a consent text version it does not have.
     */
    public static List<Chosen> chosen(java.util.Collection<String> slugs, Integer version, Map<Wanted, Map<String, Object>> found) {
        List<Chosen> chosen = new ArrayList<>(slugs.size());
        for (String slug : slugs) {
            Map<String, Object> row = slug == null ? null : found.get(new Wanted(slug, version));
            // a newsletter always has a consent text: none found without a version named means no newsletter
            if (row == null || row.get("consent_text_id") == null && version == null) {
                throw ValjeanException.invalid("UNKNOWN_NEWSLETTER", "There is no newsletter '" + slug + "'.");
            }
            if (row.get("consent_text_id") == null) {
                throw ValjeanException.invalid("UNKNOWN_CONSENT_VERSION",
                        "Newsletter '" + slug + "' has no consent text version " + version + ".");
            }
            chosen.add(new Chosen(((Number) row.get("id")).longValue(), (String) row.get("name"),
                    Cadence.valueOf((String) row.get("cadence")), (String) row.get("sender_name"), (String) row.get("sender_address"),
                    ((Number) row.get("consent_text_id")).longValue()));
        }
        return chosen;
    }

    /**
     * Records a valid sign-up and sends its confirmation email, unless the person is confirmed
     * for all of it already or had their three confirmation emails today. The caller answers the
     * same way in every case, so nobody learns whether an address is known.
     */
    @Transactional
    public void request(Signup s, List<Chosen> chosen) {
        EmailAddress address = EmailAddress.parse(s.email());
        String name = s.name() == null || s.name().isBlank() ? null : s.name().strip();
        // The name given with an anonymous request applies only when the request is confirmed: a
        // stranger must not rename a subscriber (the name appears in mail signed as ours).
        // One sign-up per person at a time: the contact, created if new, stays locked until the commit, so
        // concurrent requests for one address take turns (one round trip).
        // With the lock, the request's id: its rows can then be written in front of the gate's look-ups (below).
        ContactService.LockedWith locked = contacts.lockOrCreate(address, NEXT_REQUEST_ID);
        ContactService.Locked contact = locked.contact();

        Instant now = clock.instant();
        // What the person is confirmed for already, and their confirmation emails of the last day, in one round
        // trip; a statement of its own after the lock, so that it sees what a request that held the lock committed.
        // A contact this transaction created has neither: nothing refers to it until this transaction commits.
        var known = contact.created() ? java.util.Map.<String, Object> of("confirmed", "", "today", 0L) : sql.rows("""
                SELECT (SELECT coalesce(string_agg(newsletter_id::text, ','), '') FROM subscription
                         WHERE contact_id = ? AND status = 'CONFIRMED') AS confirmed,
                       (SELECT count(*) FROM outbox WHERE contact_id = ? AND purpose = 'CONFIRMATION' AND created_at > ?) AS today""",
                contact.id(), contact.id(), now.minus(Duration.ofDays(1))).get(0);
        java.util.Set<String> confirmed = java.util.Set.of(known.get("confirmed").toString().split(","));
        List<Chosen> wanted = chosen.stream().filter(c -> !confirmed.contains(String.valueOf(c.newsletterId()))).toList();
        if (wanted.isEmpty()) {
            Log.debug("Sign-up for newsletters already confirmed: nothing to do");
            return;
        }
        long sentToday = ((Number) known.get("today")).longValue();
        if (sentToday >= config.confirmationsPerDay()) {
            Log.info("Sign-up ignored: this address had its confirmation emails for today");
            return;
        }
        if (contact.gone()) {
            // The person comes back after erasure or expiry: the address they typed is needed to send the
            // confirmation (nothing else of theirs is restored; if they never confirm, retention removes it).
            contacts.revive(contact.id(), address);
        }

        String token = Signing.randomToken(32);
        PendingRequest request = new PendingRequest(contact.id(), name, pageOf(s.page()), Text.clip(s.ip(), 64),
                Text.clip(s.userAgent(), 500), now, now.plus(config.confirmTtl()));
        List<Long> newsletterIds = wanted.stream().map(Chosen::newsletterId).toList();
        List<Long> consentTextIds = wanted.stream().map(Chosen::consentTextId).toList();
        long requestId = ((Number) locked.along().get(0).get("id")).longValue();
        // The request, its items, its pending subscriptions and its ledger events are written in front of the
        // confirmation's first statement (the consent gate's look-ups), in its round trip and in this order (the
        // events refer to the request); the confirmation itself in front of the transaction's next statement.
        sql.updateLater("""
                WITH request AS (
                    INSERT INTO subscription_request (id, contact_id, token_hash, source, page, ip, user_agent, name, created_at,
                        expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id),
                wanted AS (SELECT * FROM unnest(?::bigint[], ?::bigint[]) AS w(newsletter_id, consent_text_id)),
                item AS (
                    INSERT INTO subscription_request_item (request_id, newsletter_id, consent_text_id)
                    SELECT request.id, w.newsletter_id, w.consent_text_id FROM request, wanted w)
                INSERT INTO subscription (contact_id, newsletter_id, status, consent_text_id, source, requested_at, updated_at)
                SELECT ?, w.newsletter_id, 'PENDING', w.consent_text_id, ?, ?, ? FROM wanted w
                ON CONFLICT (contact_id, newsletter_id) DO UPDATE
                    SET status = 'PENDING', consent_text_id = EXCLUDED.consent_text_id, source = EXCLUDED.source,
                        requested_at = EXCLUDED.requested_at, updated_at = EXCLUDED.updated_at
                    WHERE subscription.status <> 'CONFIRMED'""",
                requestId, contact.id(), Signing.sha256(token), s.source(), request.page(), request.ip(), request.userAgent(), name,
                now, request.expiresAt(), newsletterIds, consentTextIds, contact.id(), s.source(), now, now);
        for (Chosen c : wanted) {
            ledger.appendWithNext(ConsentLedger.Entry.of(LedgerEvent.REQUESTED, contact.id(), c.newsletterId(), s.source().name())
                    .request(requestId, c.consentTextId()).client(request.page(), request.ip(), request.userAgent()));
        }
        mail.enqueue(requestId, request, token, wanted);
    }

    /** A sign-up's request as it is stored, for its confirmation email. */
    record PendingRequest(long contactId, String name, String page, String ip, String userAgent, Instant createdAt,
            Instant expiresAt) {
    }

    /** What the confirmation link's token stands for, without changing anything (the GET page). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Confirmation inspect(String token) {
        Optional<SubscriptionRequest> found = findRequest(token);
        if (found.isEmpty()) {
            return new Confirmation(Outcome.NOT_FOUND, List.of());
        }
        SubscriptionRequest request = found.get();
        return new Confirmation(stateOf(request), newslettersOf(request.id));
    }

    /** Confirms the request behind the token (the POST of the link's page). */
    @Transactional
    public Confirmation confirm(String token, String ip, String userAgent) {
        Optional<SubscriptionRequest> found = findRequest(token);
        if (found.isEmpty()) {
            return new Confirmation(Outcome.NOT_FOUND, List.of());
        }
        SubscriptionRequest request = found.get();
        // Lock the request so a double click confirms once.
        sql.rows("SELECT id FROM subscription_request WHERE id = ? FOR UPDATE", request.id);
        SubscriptionRequest.getEntityManager().refresh(request);
        Outcome state = stateOf(request);
        List<Newsletter> newsletters = newslettersOf(request.id);
        if (state != Outcome.PENDING) {
            return new Confirmation(state, newsletters);
        }
        Instant now = clock.instant();
        request.confirmedAt = now;
        Contact contact = Contact.findById(request.contactId);
        if (request.name != null) {
            contact.name = request.name; // the person confirmed from their own mailbox
        }
        for (var item : sql.rows("SELECT newsletter_id, consent_text_id FROM subscription_request_item WHERE request_id = ?",
                request.id)) {
            long newsletterId = ((Number) item.get("newsletter_id")).longValue();
            long consentTextId = ((Number) item.get("consent_text_id")).longValue();
            sql.update("""
                    INSERT INTO subscription (contact_id, newsletter_id, status, consent_text_id, source, requested_at,
                                              confirmed_at, updated_at)
                    VALUES (?, ?, 'CONFIRMED', ?, ?, ?, ?, ?)
                    ON CONFLICT (contact_id, newsletter_id) DO UPDATE
                        SET status = 'CONFIRMED', consent_text_id = EXCLUDED.consent_text_id, source = EXCLUDED.source,
                            requested_at = EXCLUDED.requested_at, confirmed_at = EXCLUDED.confirmed_at,
                            unsubscribed_at = NULL, updated_at = EXCLUDED.updated_at""",
                    contact.id, newsletterId, consentTextId, request.source, request.createdAt, now, now);
            // in the round trip of the next statement: the next item's, or the suppression's below
            ledger.appendWithNext(ConsentLedger.Entry.of(LedgerEvent.CONFIRMED, contact.id, newsletterId, request.source.name())
                    .request(request.id, consentTextId).client(request.page, Text.clip(ip, 64), Text.clip(userAgent, 500)));
        }
        // A new explicit double opt-in is the one thing that lifts an opt-out or an erasure.
        sql.update("DELETE FROM suppression WHERE email_hash = ? AND reason IN (?, ?)", contact.emailHash,
                SuppressionReason.GLOBAL_OPT_OUT, SuppressionReason.ERASURE);
        return new Confirmation(Outcome.CONFIRMED, newsletters);
    }

    private Outcome stateOf(SubscriptionRequest request) {
        if (request.confirmedAt != null) {
            return Outcome.ALREADY_CONFIRMED;
        }
        if (request.expiredAt != null || !clock.instant().isBefore(request.expiresAt)) {
            return Outcome.EXPIRED;
        }
        return Outcome.PENDING;
    }

    private static Optional<SubscriptionRequest> findRequest(String token) {
        if (token == null || token.length() < 20 || token.length() > 100) {
            return Optional.empty();
        }
        return SubscriptionRequest.findByTokenHash(Signing.sha256(token));
    }

    private List<Newsletter> newslettersOf(long requestId) {
        List<Long> ids = sql.longs("SELECT newsletter_id FROM subscription_request_item WHERE request_id = ?", requestId);
        return ids.isEmpty() ? List.of() : Newsletter.list("id in ?1 order by slug", ids);
    }

    /** The page a form sat on, without query or fragment (they may carry personal data). */
    static String pageOf(String page) {
        if (page == null || page.isBlank()) {
            return null;
        }
        String p = page.strip();
        int cut = p.length();
        for (char c : new char[] { '?', '#' }) {
            int i = p.indexOf(c);
            if (i >= 0 && i < cut) {
                cut = i;
            }
        }
        return Text.clip(p.substring(0, cut), 2000);
    }

}
