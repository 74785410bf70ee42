package dev.valjean.delivery;

/**
 * What a feature asks the outbox to send.
 *
 * @param idempotencyKey enqueuing the same key twice is a no-op
 * @param sender "Name &lt;address&gt;", or null for the configured default
 * @param listId RFC 2919 list identifier (list mail only), e.g. {@code weekly.news.example.com}
 * @param listName display name for the List-Id header
 * @param unsubscribeUrl RFC 8058 one-click https URI (required for list mail)
 */
public record OutboxRequest(
        String idempotencyKey,
        Purpose purpose,
        String basisType,
        Long basisId,
        long contactId,
        String sender,
        String subject,
        String bodyText,
        String bodyHtml,
        String listId,
        String listName,
        String unsubscribeUrl) {

    public static OutboxRequest of(String idempotencyKey, Purpose purpose, String basisType, Long basisId,
            long contactId, String subject, String bodyText, String bodyHtml) {
        return new OutboxRequest(idempotencyKey, purpose, basisType, basisId, contactId, null, subject, bodyText, bodyHtml,
                null, null, null);
    }

    public OutboxRequest asListMail(String listId, String listName, String unsubscribeUrl) {
        return new OutboxRequest(idempotencyKey, purpose, basisType, basisId, contactId, sender, subject, bodyText, bodyHtml,
                listId, listName, unsubscribeUrl);
    }

    public OutboxRequest from(String sender) {
        return new OutboxRequest(idempotencyKey, purpose, basisType, basisId, contactId, sender, subject, bodyText, bodyHtml,
                listId, listName, unsubscribeUrl);
    }
}
