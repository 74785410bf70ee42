package dev.valjean.subscription;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.common.ValjeanException;

/** Imports read RFC 4180 CSV, and a malformed file is refused whole rather than read past or patched up. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CsvTest {

    @Test
    void quoted_fields_hold_commas_quotes_and_line_breaks() {
        List<List<String>> rows = Csv.parse("\uFEFFemail,consent_text\r\na@example.com,\"Yes, \"\"weekly\"\"\r\nplease\"\r\n");
        assertEquals(List.of(List.of("email", "consent_text"), List.of("a@example.com", "Yes, \"weekly\"\r\nplease")), rows);
    }

    @Test
    void a_quote_never_closed_refuses_the_file_instead_of_swallowing_the_rest() {
        ValjeanException e = assertThrows(ValjeanException.class,
                () -> Csv.parse("email,name\na@example.com,\"Ann\nb@example.com,Bob\nc@example.com,Cy\n"));
        assertEquals("CSV_MALFORMED", e.code);
        assertTrue(e.getMessage().contains("never closed"), e.getMessage());
    }

    @Test
    void text_after_a_closing_quote_refuses_the_file_instead_of_being_appended() {
        ValjeanException e = assertThrows(ValjeanException.class, () -> Csv.parse("email,name\na@example.com,\"Ann\"x,\n"));
        assertEquals("CSV_MALFORMED", e.code);
        assertTrue(e.getMessage().contains("follows a closing quote"), e.getMessage());
    }
}
