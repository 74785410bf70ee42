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
}
