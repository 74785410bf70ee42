package dev.valjean.common;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>Every message sent parses its address again, as a last guard, and so does every sign-up: the
 * local part is checked by a table rather than a regular expression, and a domain's ASCII form is
 * kept once computed (a list has few domains), since UTS #46 and the domain's pattern were most of
 * a parse's cost (docs/BENCHMARKS.md, twenty-sixth session).
 */
public record EmailAddress(String typed, String deliverable, String normalized) {

    /** The characters a local part may have (RFC 5322's atext and the dot). */
    private static final boolean[] LOCAL_CHARS = new boolean[128];
    static {
        for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-".toCharArray()) {
            LOCAL_CHARS[c] = true;
        }
    }

    private static final Pattern DOMAIN = Pattern.compile("(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9-]{2,63}");
    private static final IDNA UTS46 = IDNA.getUTS46Instance(IDNA.NONTRANSITIONAL_TO_ASCII | IDNA.USE_STD3_RULES
            | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ | IDNA.CHECK_CONTEXTO);
    /** Domains as typed, with their ASCII form; emptied when full, so hostile input only costs the work. */
    private static final Map<String, String> ASCII_DOMAINS = new ConcurrentHashMap<>();
    static final int ASCII_DOMAINS_KEPT = 4096;

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
        if (!isAscii(local)) {
            throw invalid("The part before @ must use plain letters (a-z), digits and . _ - +: addresses with other"
                    + " characters there cannot be delivered reliably.");
        }
        if (!validLocal(local)) {
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

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** 1 to 64 of {@link #LOCAL_CHARS}, not starting or ending with a dot, no two dots together. */
    static boolean validLocal(String local) {
        int n = local.length();
        if (n < 1 || n > 64 || local.charAt(0) == '.' || local.charAt(n - 1) == '.') {
            return false;
        }
        char previous = 0;
        for (int i = 0; i < n; i++) {
            char c = local.charAt(i);
            if (c >= 128 || !LOCAL_CHARS[c] || c == '.' && previous == '.') {
                return false;
            }
            previous = c;
        }
        return true;
    }

    private static String asciiDomain(String domain) {
        String known = ASCII_DOMAINS.get(domain);
        if (known != null) {
            return known;
        }
        String ascii = computeAsciiDomain(domain);
        if (ASCII_DOMAINS.size() >= ASCII_DOMAINS_KEPT) {
            ASCII_DOMAINS.clear();
        }
        ASCII_DOMAINS.put(domain, ascii);
        return ascii;
    }

    static int asciiDomainsKept() {
        return ASCII_DOMAINS.size();
    }

    private static String computeAsciiDomain(String domain) {
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
