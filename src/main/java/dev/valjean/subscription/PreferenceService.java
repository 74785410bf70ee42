package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.SharedTransactions;
import dev.valjean.common.Sql;
import dev.valjean.common.Text;
import dev.valjean.consent.ConsentLedger;
import dev.valjean.consent.LedgerEvent;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.contact.Contact;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.Brand;
import dev.valjean.newsletter.Newsletter;

/** Leaving: one-click unsubscribe from one newsletter, and the preference centre for all of them. */
@ApplicationScoped
public class PreferenceService {

    /** One line of the preference centre. */
    public record Line(long subscriptionId, String slug, String name, String cadence, SubscriptionStatus status) {
    }

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;

    private final Links links;
    private final ConsentLedger ledger;
    private final SuppressionService suppressions;
    private final Sql sql;
    private final Clock clock;
    private final SubscriptionConfig config;
    private SharedTransactions<Leaving, Optional<Left>> unsubscribes;

    public PreferenceService(Links links, ConsentLedger ledger, SuppressionService suppressions, Sql sql, Clock clock,
            SubscriptionConfig config) {
        this.links = links;
        this.ledger = ledger;
        this.suppressions = suppressions;
        this.sql = sql;
        this.clock = clock;
        this.config = config;
    }

    /**
     * Unsubscribes by a link share transactions as token sign-ups do (docs/DECISIONS.md 35): mailbox
     * providers post them in waves after an issue, and each is one small update and one ledger event,
     * so the commit is most of what it costs the database.
     */
    @PostConstruct
    void start() {
        unsubscribes = new SharedTransactions<>("unsubscribes", config.batchThreads(), config.batchMax(), this::endByLink,
                java.util.Comparator.comparingLong(Leaving::subscriptionId), sql::genericPlansForThisTransaction);
    }

    @PreDestroy
    void stop() {
        unsubscribes.stop();
    }

    /** Unsubscribes waiting for a thread (for tests). */
    int unsubscribesWaiting() {
        return unsubscribes.waiting();
    }

    /** The newsletter an unsubscribe token leaves, or empty when the token is not genuine. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Newsletter> newsletterOf(String unsubscribeToken) {
        Long id = links.subscriptionOf(unsubscribeToken);
        if (id == null) {
            return Optional.empty();
        }
        return Subscription.<Subscription> findByIdOptional(id).map(s -> Newsletter.findById(s.newsletterId));
    }

    /** The newsletter an unsubscribe left, as its page shows it. */
    public record Left(String name, Brand brand) {
    }

    /**
     * Unsubscribes the token's subscription from its newsletter only, and returns once that is
     * committed. Idempotent: repeating it changes nothing and still succeeds. Empty when the token is
     * not genuine.
     */
    public Optional<Left> unsubscribe(String unsubscribeToken, String source, String ip, String userAgent) {
        Long id = links.subscriptionOf(unsubscribeToken);
        if (id == null) {
            return Optional.empty();
        }
        return unsubscribes.run(new Leaving(id, source, Text.clip(ip, 64), Text.clip(userAgent, 500)));
    }

    /** An unsubscribe by a genuine link, waiting for its transaction. */
    private record Leaving(long subscriptionId, String source, String ip, String userAgent) {
    }

    /** Ends a subscription by a link, in the transaction it is given (every statement goes by key). */
    private Optional<Left> endByLink(Leaving l) {
        Instant now = clock.instant();
        // one round trip: ends the subscription if it is pending or confirmed, and says whose it is either way (a
        // repeat, or a concurrent unsubscribe that won the row, finds nothing to end and records nothing), with what
        // the page shows of its newsletter (in SQL rather than through Hibernate: docs/BENCHMARKS.md)
        var rows = sql.rows("""
                WITH ended AS (
                    UPDATE subscription SET status = 'UNSUBSCRIBED', unsubscribed_at = ?, updated_at = ?
                    WHERE id = ? AND status IN ('CONFIRMED', 'PENDING') RETURNING id)
                SELECT s.contact_id, s.newsletter_id, EXISTS (SELECT 1 FROM ended) AS ended,
                       n.slug, n.name, n.brand_name, n.accent_colour, n.logo_hash
                FROM subscription s JOIN newsletter n ON n.id = s.newsletter_id WHERE s.id = ?""",
                now, now, l.subscriptionId(), l.subscriptionId());
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        var row = rows.get(0);
        long newsletterId = ((Number) row.get("newsletter_id")).longValue();
        if ((Boolean) row.get("ended")) {
            // sent with the next unsubscribe's statement of a shared transaction, or before its commit
            ledger.appendWithNext(ConsentLedger.Entry.of(LedgerEvent.UNSUBSCRIBED, ((Number) row.get("contact_id")).longValue(), newsletterId,
                    l.source()).client(null, l.ip(), l.userAgent()));
        }
        String name = (String) row.get("name");
        return Optional.of(new Left(name, Brand.of((String) row.get("slug"), name, (String) row.get("brand_name"),
                (String) row.get("accent_colour"), (String) row.get("logo_hash"))));
    }

    /** The contact a preference token stands for, or empty. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Contact> contactOf(String preferencesToken) {
        Long id = links.contactOf(preferencesToken);
        return id == null ? Optional.empty() : Contact.findByIdOptional(id);
    }

    /** A newsletter the person does not receive, offered to join, with the consent text joining would agree to. */
    public record Offer(String slug, String name, String cadence, String description, String consentText, int consentVersion) {
    }

    /** The newsletters the person neither receives nor waits to confirm. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Offer> offers(long contactId) {
        java.util.Set<Long> taken = new java.util.HashSet<>();
        Subscription.ofContact(contactId).stream()
                .filter(s -> s.status == SubscriptionStatus.CONFIRMED || s.status == SubscriptionStatus.PENDING)
                .forEach(s -> taken.add(s.newsletterId));
        return Newsletter.listBySlug().stream().filter(n -> !taken.contains(n.id)).map(n -> {
            dev.valjean.newsletter.ConsentText consent = dev.valjean.newsletter.ConsentText.current(n.id).orElseThrow();
            return new Offer(n.slug, n.name, ConfirmationMail.cadenceOf(n), n.description, consent.text, consent.version);
        }).toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Line> lines(long contactId) {
        return Subscription.ofContact(contactId).stream()
                .filter(s -> s.status == SubscriptionStatus.CONFIRMED || s.status == SubscriptionStatus.PENDING)
                .map(s -> {
                    Newsletter n = Newsletter.findById(s.newsletterId);
                    return new Line(s.id, n.slug, n.name, ConfirmationMail.cadenceOf(n), s.status);
                }).toList();
    }

    /**
     * Leaves the named newsletters (or all of them); with {@code optOut} the address is also put
     * on the suppression list, so nothing but a new double opt-in reaches it again.
     */
    @Transactional
    public int leave(long contactId, Set<String> slugs, boolean all, boolean optOut, String ip, String userAgent) {
        int left = 0;
        for (Subscription s : Subscription.ofContact(contactId)) {
            Newsletter n = Newsletter.findById(s.newsletterId);
            if ((all || optOut || slugs.contains(n.slug)) && leave(s, "PREFERENCE_CENTRE", ip, userAgent)) {
                left++;
            }
        }
        if (optOut) {
            Contact contact = Contact.findById(contactId);
            suppressions.suppressHash(contact.emailHash, SuppressionReason.GLOBAL_OPT_OUT, "preference centre");
        }
        return left;
    }

    /**
     * Someone in the console unsubscribes the person from one newsletter, because the person asked
     * by other means (a reply, a call). Audited; false when they were not on it.
     */
    @Transactional
    public boolean leaveForThem(long contactId, String slug) {
        for (Subscription s : Subscription.ofContact(contactId)) {
            Newsletter n = Newsletter.findById(s.newsletterId);
            if (n.slug.equals(slug) && leave(s, "CONSOLE", null, null)) {
                audit.record("subscription.unsubscribed", "contact", contactId, java.util.Map.of("newsletter", slug));
                return true;
            }
        }
        return false;
    }

    /**
     * Ends every subscription of a person for a reason that is not theirs to state in a form (a
     * spam complaint): each with a ledger event that says why. The number ended.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public int leaveAllBecause(long contactId, String source, String why) {
        int left = 0;
        for (Subscription s : Subscription.ofContact(contactId)) {
            if (end(s)) {
                ledger.append(ConsentLedger.Entry.of(LedgerEvent.UNSUBSCRIBED, s.contactId, s.newsletterId, source).detail(why));
                left++;
            }
        }
        return left;
    }

    /** Ends one subscription if it is pending or confirmed; false when it had ended already. */
    private boolean end(Subscription s) {
        Instant now = clock.instant();
        return sql.update("""
                UPDATE subscription SET status = 'UNSUBSCRIBED', unsubscribed_at = ?, updated_at = ?
                WHERE id = ? AND status IN ('CONFIRMED', 'PENDING')""", now, now, s.id) > 0;
    }

    private boolean leave(Subscription s, String source, String ip, String userAgent) {
        if (!end(s)) {
            return false;
        }
        ledger.append(ConsentLedger.Entry.of(LedgerEvent.UNSUBSCRIBED, s.contactId, s.newsletterId, source)
                .client(null, Text.clip(ip, 64), Text.clip(userAgent, 500)));
        return true;
    }
}
