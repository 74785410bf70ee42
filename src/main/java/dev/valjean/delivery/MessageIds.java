package dev.valjean.delivery;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.valjean.common.Signing;

/**
 * Message-IDs name their outbox row and are signed: {@code <id.signature@domain>}, the signature
 * (128 bits, HMAC under the installation's signing key, as VERP addresses are) so that nobody can
 * name a message they did not receive. Nothing is stored for them: the row's id gives the
 * Message-ID again, and a returned message is found by the primary key once its signature holds.
 * Rows queued before this form keep the Message-ID they stored: {@code <id.random@domain>} (found
 * by the primary key and compared whole) and the older {@code <random@domain>} (no dot before the
 * {@code @}; a partial index of its own).
 */
@ApplicationScoped
public class MessageIds {

    private static final Pattern WITH_ROW = Pattern.compile("<?(\\d{1,18})\\.([0-9A-Za-z_-]+)@[^>]+>?");
    private static final String PURPOSE = "message-id";

    private final Signing signing;
    private final String domain;

    @Inject
    public MessageIds(Signing signing, DeliveryConfig config, SmtpConfig smtp) {
        this(signing, config.messageIdDomain().orElseGet(() -> OutboxService.domainOf(smtp.from())));
    }

    MessageIds(Signing signing, String domain) {
        this.signing = signing;
        this.domain = domain;
    }

    /** The Message-ID of outbox row {@code id}: the one it stored, if it is an older row, else the signed one. */
    public String of(long id, String stored) {
        return stored != null ? stored : "<" + id + "." + signing.sign(PURPOSE, Long.toString(id)) + "@" + domain + ">";
    }

    /** The outbox row a Message-ID of the row-naming forms names; empty for any other form. */
    public static OptionalLong rowOf(String messageId) {
        if (messageId == null) {
            return OptionalLong.empty();
        }
        Matcher m = WITH_ROW.matcher(messageId.strip());
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The same Message-ID in angle brackets, as the outbox stores the older forms. */
    public static String bracketed(String messageId) {
        String id = messageId.strip();
        return id.startsWith("<") ? id : "<" + id + ">";
    }

    /** A condition on the outbox aliased {@code o} and its parameters. */
    public record Lookup(String condition, Object... params) {
    }

    /**
     * The condition that finds the row a Message-ID belongs to: a signed one by primary key (a row
     * that stores no Message-ID); an unsigned one naming a row by primary key and the whole stored
     * value; the oldest form by its partial index.
     */
    public Lookup lookup(String messageId) {
        String id = bracketed(messageId);
        Matcher m = WITH_ROW.matcher(id);
        if (!m.matches()) {
            return new Lookup("o.message_id = ? AND o.message_id NOT LIKE '%.%@%'", id);
        }
        long row = Long.parseLong(m.group(1));
        return signing.verify(PURPOSE, m.group(1), m.group(2))
                ? new Lookup("o.id = ? AND o.message_id IS NULL", row)
                : new Lookup("o.id = ? AND o.message_id = ?", row, id);
    }
}
