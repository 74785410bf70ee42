package dev.valjean.newsletter;

/** A newsletter's public face: the name shown, the accent colour, and the logo's URL (null without one). */
public record Brand(String name, String accent, String logoUrl) {

    public static final String DEFAULT_ACCENT = "#1d4ed8";

    /** A newsletter's brand from its columns: its own name and the default accent where it set none. */
    public static Brand of(String slug, String name, String brandName, String accentColour, String logoHash) {
        return new Brand(brandName != null ? brandName : name, accentColour != null ? accentColour : DEFAULT_ACCENT,
                logoHash == null ? null : "/brand/" + slug + "/logo-" + logoHash);
    }
}
