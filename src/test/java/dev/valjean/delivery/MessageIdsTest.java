package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.TestSigning;

@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MessageIdsTest {

    static MessageIds withKey(String key) {
        return new MessageIds(TestSigning.withKey(key), "news.example.com");
    }

    final MessageIds ids = withKey("a-signing-key-of-this-installation-0123456789");

    @Test
    void the_row_is_read_from_the_row_naming_forms_with_or_without_brackets_and_from_nothing_else() {
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
    void a_row_that_stores_none_gets_a_signed_message_id_that_only_this_key_makes_and_a_stored_one_is_kept() {
        String signed = ids.of(42, null);
        assertTrue(signed.matches("<42\\.[A-Za-z0-9_-]{22}@news\\.example\\.com>"), signed);
        assertEquals(signed, ids.of(42, null), "the same row gives the same Message-ID again");
        assertNotEquals(signed, ids.of(43, null).replace("<43.", "<42."), "another row's signature does not fit");
        assertNotEquals(signed, withKey("another-installation-key-0123456789abcdef").of(42, null));
        assertEquals("<42.5f0c9e@news.example.com>", ids.of(42, "<42.5f0c9e@news.example.com>"));
    }

    @Test
    void a_signed_id_is_looked_up_by_row_an_unsigned_one_by_row_and_whole_value_the_oldest_through_its_partial_index() {
        MessageIds.Lookup signed = ids.lookup(ids.of(42, null).replaceAll("[<>]", ""));
        assertEquals("o.id = ? AND o.message_id IS NULL", signed.condition());
        assertArrayEquals(new Object[] { 42L }, signed.params());
        MessageIds.Lookup stored = ids.lookup("42.5f0c9e@news.example.com");
        assertEquals("o.id = ? AND o.message_id = ?", stored.condition());
        assertArrayEquals(new Object[] { 42L, "<42.5f0c9e@news.example.com>" }, stored.params());
        MessageIds.Lookup forged = ids.lookup(ids.of(43, null).replace("<43.", "<42."));
        assertEquals("o.id = ? AND o.message_id = ?", forged.condition(), "a signature that does not hold names no row that stores none");
        MessageIds.Lookup old = ids.lookup("<Zm9y@news.example.com>");
        assertArrayEquals(new Object[] { "<Zm9y@news.example.com>" }, old.params());
        assertEquals("o.message_id = ? AND o.message_id NOT LIKE '%.%@%'", old.condition());
    }
}
