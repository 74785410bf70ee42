package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalLong;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MessageIdsTest {

    @Test
    void the_row_is_read_from_the_current_form_with_or_without_brackets_and_from_nothing_else() {
        assertEquals(OptionalLong.of(42), MessageIds.rowOf("<42.5f0c9e@news.example.com>"));
        assertEquals(OptionalLong.of(42), MessageIds.rowOf(" 42.5f0c9e@news.example.com "));
        assertEquals(OptionalLong.empty(), MessageIds.rowOf("<Zm9yLW9sZC1yb3dz@news.example.com>"), "the old form");
        assertEquals(OptionalLong.empty(), MessageIds.rowOf("<42@news.example.com>"));
        assertEquals(OptionalLong.empty(), MessageIds.rowOf("<x42.5f0c9e@news.example.com>"));
        assertEquals(OptionalLong.empty(), MessageIds.rowOf("<42.5f0c9e@>"));
        assertEquals(OptionalLong.empty(), MessageIds.rowOf("<1234567890123456789.5f@news.example.com>"), "past a bigint");
        assertEquals(OptionalLong.empty(), MessageIds.rowOf(null));
    }

    @Test
    void the_current_form_is_looked_up_by_row_and_whole_id_the_old_form_through_its_partial_index() {
        MessageIds.Lookup current = MessageIds.lookup("42.5f0c9e@news.example.com");
        assertEquals("o.id = ? AND o.message_id = ?", current.condition());
        assertArrayEquals(new Object[] { 42L, "<42.5f0c9e@news.example.com>" }, current.params());
        MessageIds.Lookup old = MessageIds.lookup("<Zm9y@news.example.com>");
        assertArrayEquals(new Object[] { "<Zm9y@news.example.com>" }, old.params());
        assertEquals("o.message_id = ? AND o.message_id NOT LIKE '%.%@%'", old.condition());
    }
}
