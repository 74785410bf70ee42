package dev.valjean.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EmailAddressTest {

    @ParameterizedTest
    @CsvSource({
            "'  Jean.Valjean@Example.COM ', Jean.Valjean@Example.COM, jean.valjean@example.com",
            "cosette@bücher.example, cosette@bücher.example, cosette@xn--bcher-kva.example",
            "a+tag@sub.example.org, a+tag@sub.example.org, a+tag@sub.example.org",
            "anna@faß.de, anna@faß.de, anna@xn--fa-hia.de" })
    void keeps_what_was_typed_and_normalizes_the_domain(String input, String typed, String normalized) {
        EmailAddress address = EmailAddress.parse(input);
        assertEquals(typed, address.typed());
        assertEquals(normalized, address.normalized());
    }

    @org.junit.jupiter.api.Test
    void mail_goes_to_the_local_part_as_typed_while_identity_ignores_its_case() {
        EmailAddress bob = EmailAddress.parse("Bob.Smith@Bücher.Example");
        assertEquals("Bob.Smith@xn--bcher-kva.example", bob.deliverable());
        assertEquals("bob.smith@xn--bcher-kva.example", bob.normalized());
        assertEquals(bob.normalized(), EmailAddress.parse("bob.smith@bücher.example").normalized());
    }

    @ParameterizedTest
    @ValueSource(strings = { "jürgen@example.de", "a\u0000b@example.com", "a@exa\u0000mple.com" })
    void refuses_a_local_part_outside_ascii_and_control_characters(String input) {
        String unescaped = input.replace("\\u0000", "\u0000");
        assertEquals("INVALID_EMAIL", assertThrows(ValjeanException.class, () -> EmailAddress.parse(unescaped)).code);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "plain", "@example.com", "a@", "a@localhost", "a..b@example.com",
            "a@example.com\r\nBcc: x@example.com", "a b@example.com", "a@exa mple.com" })
    void refuses_what_is_not_an_address(String input) {
        ValjeanException e = assertThrows(ValjeanException.class, () -> EmailAddress.parse(input));
        assertEquals("INVALID_EMAIL", e.code);
    }

    /** The rule the table replaced, kept here as the oracle. */
    private static final java.util.regex.Pattern LOCAL_AS_WAS = java.util.regex.Pattern
            .compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]{1,64}");

    private static boolean localAsWas(String local) {
        return LOCAL_AS_WAS.matcher(local).matches() && !local.startsWith(".") && !local.endsWith(".") && !local.contains("..");
    }

    @org.junit.jupiter.api.Test
    void the_local_part_table_agrees_with_the_pattern_it_replaced() {
        String alphabet = "aZ09.-+_!~`{|}'\"(),:;<>@[]\\ \t\u00e9\u0100\u007f\u0000.";
        java.util.Random random = new java.util.Random(20261206);
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            int length = random.nextInt(100) < 90 ? random.nextInt(12) : random.nextInt(70);
            StringBuilder local = new StringBuilder();
            for (int k = 0; k < length; k++) {
                local.append(random.nextInt(4) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : (char) ('a' + random.nextInt(26)));
            }
            String candidate = local.toString();
            assertEquals(localAsWas(candidate), EmailAddress.validLocal(candidate), () -> "for [" + candidate + "]");
            accepted += EmailAddress.validLocal(candidate) ? 1 : 0;
        }
        for (int length : new int[] { 0, 1, 63, 64, 65 }) {
            String candidate = "a".repeat(length);
            assertEquals(localAsWas(candidate), EmailAddress.validLocal(candidate), "length " + length);
        }
        // both outcomes were exercised, not just one
        org.junit.jupiter.api.Assertions.assertTrue(accepted > 10_000 && accepted < 190_000, "accepted " + accepted);
    }

    @org.junit.jupiter.api.Test
    void a_kept_domain_answers_as_computed_and_a_refused_one_is_refused_every_time() {
        assertEquals("anna@xn--fa-hia.de", EmailAddress.parse("anna@FAß.de").normalized());
        assertEquals("anna@xn--fa-hia.de", EmailAddress.parse("Anna@FAß.de").normalized());
        assertEquals("Anna@xn--fa-hia.de", EmailAddress.parse("Anna@FAß.de").deliverable());
        for (int i = 0; i < 2; i++) {
            assertEquals("INVALID_EMAIL", assertThrows(ValjeanException.class, () -> EmailAddress.parse("a@exa_mple.com")).code);
            assertEquals("INVALID_EMAIL", assertThrows(ValjeanException.class, () -> EmailAddress.parse("a@-x.example")).code);
        }
    }

    @org.junit.jupiter.api.Test
    void the_kept_domains_stay_bounded_under_many_distinct_ones() {
        for (int i = 0; i < EmailAddress.ASCII_DOMAINS_KEPT * 2 + 7; i++) {
            assertEquals("a@d" + i + ".example", EmailAddress.parse("a@D" + i + ".Example").normalized());
            org.junit.jupiter.api.Assertions.assertTrue(EmailAddress.asciiDomainsKept() <= EmailAddress.ASCII_DOMAINS_KEPT);
        }
    }
}
