package dev.valjean.common;

import java.util.Locale;
import java.util.regex.Pattern;

import com.ibm.icu.text.IDNA;

/**
 * An email address as typed (for display), the form mail is sent to, and the identity it is known
 * by. The domain goes through UTS #46 / IDNA2008 ({@code faß.de} stays {@code xn--fa-hia.de}, not
 * IDNA2003's {@code fass.de}, which is someone else's domain). The identity compares the local part
 * without regard to case, since every mailbox provider in use does, so {@code Bob@x} is the person
 * {@code bob@x} suppressed; mail still goes to the local part as typed. A local part outside ASCII
 * would need SMTPUTF8 from every relay on the way: it is refused when typed, with a clear answer,
 * rather than accepted and failed later.
 */
public record EmailAddress(String typed, String deliverable, String normalized) {

    private static final Pattern LOCAL = Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]{1,64}");
    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9-]{2,63}");
    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII | IDNA.USE_STD3_RULES
            | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ | IDNA.CHECK_CONTEXTO);

    public static EmailAddress parse(String input) {
        if (input == null) {
            throw invalid("An email address is required.");
        }
        String typed = input.strip();
        if (typed.isEmpty() || typed.length() > 254) {
            throw invalid("An email address has 1 to 254 characters.");
        }
        if (StrictJson.forbidden(typed, false) >= 0) {
            throw invalid("An email address cannot contain control characters.");
        }
        int at = typed.lastIndexOf('@');
        if (at <= 0 || at == typed.length() - 1) {
            throw invalid("An email address looks like name@example.com.");
        }
        String local = typed.substring(0, at);
        if (local.chars().anyMatch(c -> c >= 0x80)) {
            throw invalid("The part before @ must use plain letters (a-z), digits and . _ - +: addresses with other"
                    + " characters there cannot be delivered reliably.");
        }
        if (!LOCAL.matcher(local).matches() || local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            throw invalid("The part before @ of this email address is not valid.");
        }
        String domain = asciiDomain(typed.substring(at + 1));
        return new EmailAddress(typed, local + "@" + domain, local.toLowerCase(Locale.ROOT) + "@" + domain);
    }

    /** As {@link #parse}, with the problem attached to a form field so a page can show it beside that field. */
    public static EmailAddress parseField(String field, String input) {
        try {
            return parse(input);
        } catch (ValjeanException e) {
            throw ValjeanException.field(e.code, field, e.getMessage());
        }
    }

    private static String asciiDomain(String domain) {
        StringBuilder ascii = new StringBuilder();
        IDNA.Info info = new IDNA.Info();
        UTS46.nameToASCII(domain, ascii, info);
        String result = ascii.toString().toLowerCase(Locale.ROOT);
        if (info.hasErrors() || !DOMAIN.matcher(result).matches()) {
            throw invalid("The domain of this email address is not valid.");
        }
        return result;
    }

    private static ValjeanException invalid(String detail) {
        return ValjeanException.invalid("INVALID_EMAIL", detail);
    }
}
