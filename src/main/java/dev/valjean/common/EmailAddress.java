package dev.valjean.common;

import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * An email address as typed (for display) and its normalized identity form: trimmed, domain
 * lower-cased and converted from IDN to ASCII. The local part is kept as typed (RFC 5321 says it
 * may be case-sensitive).
 */
public record EmailAddress(String typed, String normalized) {

    private static final Pattern LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-\\u0080-\\uFFFF]{1,64}");
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z0-9-]{2,63}");

    public static EmailAddress parse(String input) {
        if (input == null) {
            throw invalid("An email address is required.");
        }
        String typed = input.strip();
        if (typed.isEmpty() || typed.length() > 254) {
            throw invalid("An email address has 1 to 254 characters.");
        }
        if (typed.chars().anyMatch(c -> c == '\r' || c == '\n' || c < 0x20 || c == 0x7f)) {
            throw invalid("An email address cannot contain control characters.");
        }
        int at = typed.lastIndexOf('@');
        if (at <= 0 || at == typed.length() - 1) {
            throw invalid("An email address looks like name@example.com.");
        }
        String local = typed.substring(0, at);
        String domain;
        try {
            domain = IDN.toASCII(typed.substring(at + 1), IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid("The domain of this email address is not valid.");
        }
        if (!LOCAL.matcher(local).matches() || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw invalid("The part before @ of this email address is not valid.");
        }
        if (!DOMAIN.matcher(domain).matches()) {
            throw invalid("The domain of this email address is not valid.");
        }
        return new EmailAddress(typed, local + "@" + domain);
    }

    private static ValjeanException invalid(String detail) {
        return ValjeanException.invalid("INVALID_EMAIL", detail);
    }
}
