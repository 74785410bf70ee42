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
    private final dev.valjean.common.Sql sql;

    public NewsletterService(Clock clock, dev.valjean.common.Sql sql) {
        this.clock = clock;
        this.sql = sql;
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

    /** A logo as uploaded: its bytes; null when none was chosen. */
    public record Logo(byte[] bytes, boolean remove) {
    }

    /**
     * Changes the public face: the name and accent colour shown, and the logo (PNG, JPEG, GIF or
     * WebP, recognised by its content, at most 200 KB; SVG is refused since it can carry scripts).
     */
    @Transactional
    public Newsletter changeBrand(String slug, String brandName, String accent, Logo logo) {
        Newsletter n = find(slug);
        String name = brandName == null || brandName.isBlank() ? null : brandName.strip();
        if (name != null && (name.length() > 80 || name.chars().anyMatch(Character::isISOControl))) {
            throw ValjeanException.field("BRAND_NAME_INVALID", "brandName", "Use one line of at most 80 characters.");
        }
        String colour = accent == null || accent.isBlank() ? null : accent.strip().toLowerCase(java.util.Locale.ROOT);
        if (colour != null && !colour.matches("#[0-9a-f]{6}")) {
            throw ValjeanException.field("ACCENT_INVALID", "accent", "Write the colour as #rrggbb, for example #1d4ed8.");
        }
        n.brandName = name;
        n.accentColour = colour;
        n.updatedAt = clock.instant();
        if (logo != null && logo.remove()) {
            sql.update("UPDATE newsletter SET logo = NULL, logo_type = NULL, logo_hash = NULL WHERE id = ?", n.id);
        } else if (logo != null && logo.bytes() != null && logo.bytes().length > 0) {
            String type = imageType(logo.bytes());
            if (type == null) {
                throw ValjeanException.field("LOGO_INVALID", "logo", "Upload a PNG, JPEG, GIF or WebP image (SVG is not accepted).");
            }
            if (logo.bytes().length > 200 * 1024) {
                throw ValjeanException.field("LOGO_TOO_LARGE", "logo", "The logo is " + logo.bytes().length / 1024
                        + " KB; use one of at most 200 KB.");
            }
            sql.update("UPDATE newsletter SET logo = ?, logo_type = ?, logo_hash = ? WHERE id = ?", logo.bytes(), type,
                    dev.valjean.common.Signing.sha256Hex(logo.bytes()).substring(0, 16), n.id);
        }
        audit.record("newsletter.brand_changed", "newsletter", slug, java.util.Map.of());
        return n;
    }

    /** The image type the content says, or null for anything else. */
    static String imageType(byte[] b) {
        if (b.length > 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return "image/png";
        }
        if (b.length > 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
            return "image/jpeg";
        }
        if (b.length > 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return "image/gif";
        }
        if (b.length > 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E' && b[10] == 'B'
                && b[11] == 'P') {
            return "image/webp";
        }
        return null;
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
