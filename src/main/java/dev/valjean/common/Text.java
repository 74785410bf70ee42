package dev.valjean.common;

/** Small text helpers for values that come from outside. */
public final class Text {

    private Text() {
    }

    /** One line (control characters become spaces), trimmed, at most {@code max} characters; null stays null. */
    public static String clip(String s, int max) {
        if (s == null) {
            return null;
        }
        String oneLine = s.replaceAll("\\p{Cntrl}", " ").strip();
        return oneLine.length() > max ? oneLine.substring(0, max) : oneLine;
    }

    /** Escapes text for HTML content and double-quoted attributes. */
    public static String escapeHtml(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
