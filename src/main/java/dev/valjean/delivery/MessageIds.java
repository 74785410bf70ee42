package dev.valjean.delivery;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Message-IDs name their outbox row: {@code <id.random@domain>}, the random part (122 bits) so that
 * nobody can name a message they did not receive. A returned message is found by the primary key
 * and then compared in full, so the outbox needs no index of Message-IDs; rows queued before this
 * form ({@code <random@domain>}, no dot before the {@code @}) keep a partial index of their own.
 */
public final class MessageIds {

    private static final Pattern WITH_ROW = Pattern.compile("<?(\\d{1,18})\\.[0-9A-Za-z_-]+@[^>]+>?");

    private MessageIds() {
    }

    /** The outbox row a Message-ID of the current form names; empty for any other form. */
    public static OptionalLong rowOf(String messageId) {
        if (messageId == null) {
            return OptionalLong.empty();
        }
        Matcher m = WITH_ROW.matcher(messageId.strip());
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The same Message-ID in angle brackets, as the outbox stores it. */
    public static String bracketed(String messageId) {
        String id = messageId.strip();
        return id.startsWith("<") ? id : "<" + id + ">";
    }

    /** A condition on the outbox aliased {@code o} and its parameters. */
    public record Lookup(String condition, Object... params) {
    }

    /**
     * The condition that finds the row a Message-ID belongs to: by primary key (and the whole
     * Message-ID) for the current form, by the legacy partial index otherwise.
     */
    public static Lookup lookup(String messageId) {
        String id = bracketed(messageId);
        OptionalLong row = rowOf(id);
        return row.isPresent()
                ? new Lookup("o.id = ? AND o.message_id = ?", row.getAsLong(), id)
                : new Lookup("o.message_id = ? AND o.message_id NOT LIKE '%.%@%'", id);
    }
}
