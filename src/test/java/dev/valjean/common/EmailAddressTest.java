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
            "'  Jean.Valjean@Example.COM ', Jean.Valjean@Example.COM, Jean.Valjean@example.com",
            "cosette@bücher.example, cosette@bücher.example, cosette@xn--bcher-kva.example",
            "a+tag@sub.example.org, a+tag@sub.example.org, a+tag@sub.example.org" })
    void keeps_what_was_typed_and_normalizes_the_domain(String input, String typed, String normalized) {
        EmailAddress address = EmailAddress.parse(input);
        assertEquals(typed, address.typed());
        assertEquals(normalized, address.normalized());
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "plain", "@example.com", "a@", "a@localhost", "a..b@example.com",
            "a@example.com\r\nBcc: x@example.com", "a b@example.com", "a@exa mple.com" })
    void refuses_what_is_not_an_address(String input) {
        ValjeanException e = assertThrows(ValjeanException.class, () -> EmailAddress.parse(input));
        assertEquals("INVALID_EMAIL", e.code);
    }
}
