package dev.valjean.newsletter;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;

@Entity
@Table(name = "newsletter")
public class Newsletter extends BaseEntity {

    public String slug;
    public String name;
    public String description;
    @Enumerated(EnumType.STRING)
    public Cadence cadence;
    @Column(name = "sender_name")
    public String senderName;
    @Column(name = "sender_address")
    public String senderAddress;
    @Column(name = "subject_max")
    public int subjectMax = 100;
    @Column(name = "title_max")
    public int titleMax = 120;
    @Column(name = "body_max")
    public int bodyMax = 600;
    /** The sender's postal address printed in every issue (CAN-SPAM); falls back to valjean.mail.postal-address. */
    @Column(name = "postal_address")
    public String postalAddress;
    /** The name the public pages show (the newsletter's name when not set). */
    @Column(name = "brand_name")
    public String brandName;
    /** The accent colour of the public pages and the embedded form, "#rrggbb". */
    @Column(name = "accent_colour")
    public String accentColour;
    @Column(name = "logo_type", insertable = false, updatable = false)
    public String logoType;
    /** A fingerprint of the logo, in its URL so browsers may keep it; null without a logo. */
    @Column(name = "logo_hash", insertable = false, updatable = false)
    public String logoHash;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    /** The From header of this newsletter's mail: its sender name and address. */
    public String fromHeader() {
        return fromHeader(senderName, senderAddress);
    }

    /** The From header for a sender name and address: the name quoted, without quotes or backslashes of its own. */
    public static String fromHeader(String senderName, String senderAddress) {
        return "\"" + senderName.replace("\"", "").replace("\\", "") + "\" <" + senderAddress + ">";
    }

    /** What the public pages show of this newsletter. */
    public Brand brand() {
        return Brand.of(slug, name, brandName, accentColour, logoHash);
    }

    public static Optional<Newsletter> findBySlug(String slug) {
        return find("slug", slug).firstResultOptional();
    }

    public static List<Newsletter> listBySlug() {
        return list("order by slug");
    }
}
