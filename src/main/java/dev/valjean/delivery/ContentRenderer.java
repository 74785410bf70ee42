package dev.valjean.delivery;

/**
 * Renders outbox rows that carry a content reference instead of inline bodies (a newsletter issue
 * fanned out to many subscribers), per message at send time. Each kind of content is one CDI bean,
 * chosen by the part of the reference before the first colon.
 */
public interface ContentRenderer {

    /** The reference prefix this renderer handles, e.g. "issue" for "issue:42". */
    String prefix();

    /** The message for one claimed row; throws when the content cannot be rendered (the row then fails). */
    Rendered render(String contentRef, OutboxRepository.Claimed row);

    /**
     * The From and List-Id headers of every message of the content (its rows carry none); either
     * may be null, for the server's default From and no List-Id.
     */
    Headers headers(String contentRef);

    record Headers(String sender, String listId) {
    }

    /** A rendered message; {@code unsubscribeUrl} is required for list mail. */
    record Rendered(String subject, String text, String html, String unsubscribeUrl) {
    }
}
