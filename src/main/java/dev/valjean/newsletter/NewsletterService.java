package dev.valjean.newsletter;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.ValjeanException;

/** Newsletters and their consent texts: editing the text adds a version, old versions stay as they were. */
@ApplicationScoped
public class NewsletterService {

    @jakarta.inject.Inject
    dev.valjean.auth.AuditTrail audit;

    /** A newsletter with the consent text its forms show now. */
    public record Current(Newsletter newsletter, ConsentText consent) {
    }

    /** Fields of a change; null means "keep". */
    public record Change(String name, String description, Cadence cadence, String senderName, String senderAddress,
            String consentText, Integer subjectMax, Integer titleMax, Integer bodyMax, String postalAddress) {

        public Change(String name, String description, Cadence cadence, String senderName, String senderAddress,
                String consentText) {
            this(name, description, cadence, senderName, senderAddress, consentText, null, null, null, null);
        }
    }

    private final Clock clock;

    public NewsletterService(Clock clock) {
        this.clock = clock;
    }

    @Transactional
    public Current create(String slug, Change fields) {
        if (Newsletter.findBySlug(slug).isPresent()) {
            throw ValjeanException.conflict("SLUG_TAKEN", "A newsletter with the slug '" + slug + "' exists already.");
        }
        Instant now = clock.instant();
        Newsletter newsletter = new Newsletter();
        newsletter.slug = slug;
        newsletter.name = fields.name().strip();
        newsletter.description = fields.description();
        newsletter.cadence = fields.cadence();
        newsletter.senderName = fields.senderName().strip();
        newsletter.senderAddress = EmailAddress.parse(fields.senderAddress()).deliverable();
        applyLimits(newsletter, fields);
        newsletter.createdAt = now;
        newsletter.updatedAt = now;
        newsletter.persist();
        audit.record("newsletter.created", "newsletter", slug, java.util.Map.of());
        return new Current(newsletter, addConsentText(newsletter, fields.consentText().strip(), 1, now));
    }

    @Transactional
    public Current change(String slug, Change change) {
        Newsletter newsletter = find(slug);
        if (change.name() != null) {
            newsletter.name = change.name().strip();
        }
        if (change.description() != null) {
            newsletter.description = change.description();
        }
        if (change.cadence() != null) {
            newsletter.cadence = change.cadence();
        }
        if (change.senderName() != null) {
            newsletter.senderName = change.senderName().strip();
        }
        if (change.senderAddress() != null) {
            newsletter.senderAddress = EmailAddress.parse(change.senderAddress()).deliverable();
        }
        applyLimits(newsletter, change);
        Instant now = clock.instant();
        newsletter.updatedAt = now;
        ConsentText consent = ConsentText.current(newsletter.id).orElseThrow();
        if (change.consentText() != null && !change.consentText().strip().equals(consent.text)) {
            consent = addConsentText(newsletter, change.consentText().strip(), consent.version + 1, now);
        }
        audit.record("newsletter.changed", "newsletter", slug, java.util.Map.of("consentVersion", consent.version));
        return new Current(newsletter, consent);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Current get(String slug) {
        Newsletter newsletter = find(slug);
        return new Current(newsletter, ConsentText.current(newsletter.id).orElseThrow());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Current> list() {
        return Newsletter.listBySlug().stream()
                .map(n -> new Current(n, ConsentText.current(n.id).orElseThrow())).toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ConsentText> consentHistory(String slug) {
        return ConsentText.history(find(slug).id);
    }

    private static void applyLimits(Newsletter newsletter, Change change) {
        if (change.subjectMax() != null) {
            newsletter.subjectMax = change.subjectMax();
        }
        if (change.titleMax() != null) {
            newsletter.titleMax = change.titleMax();
        }
        if (change.bodyMax() != null) {
            newsletter.bodyMax = change.bodyMax();
        }
        if (change.postalAddress() != null) {
            newsletter.postalAddress = change.postalAddress().isBlank() ? null : change.postalAddress().strip();
        }
    }

    private static Newsletter find(String slug) {
        return Newsletter.findBySlug(slug).orElseThrow(() -> ValjeanException.notFound("Newsletter '" + slug + "'"));
    }

    private ConsentText addConsentText(Newsletter newsletter, String text, int version, Instant now) {
        ConsentText consent = new ConsentText();
        consent.newsletterId = newsletter.id;
        consent.version = version;
        consent.text = text;
        consent.createdAt = now;
        consent.persist();
        return consent;
    }
}
