package dev.valjean.newsletter;

/** A newsletter's public face: the name shown, the accent colour, and the logo's URL (null without one). */
public record Brand(String name, String accent, String logoUrl) {

    public static final String DEFAULT_ACCENT = "#1d4ed8";
}
