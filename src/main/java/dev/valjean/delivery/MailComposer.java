package dev.valjean.delivery;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.mailer.Mail;

/**
 * Builds the standard message for a claimed row: multipart/alternative with a text and an HTML
 * part, Message-ID (stable across retries), Date, From, optional Reply-To, and for list mail
 * List-Unsubscribe, List-Unsubscribe-Post (RFC 8058) and List-Id (RFC 2919).
 */
@ApplicationScoped
public class MailComposer {

    private final Clock clock;
    private final Optional<String> replyTo;

    public MailComposer(Clock clock, DeliveryConfig config) {
        this.clock = clock;
        this.replyTo = config.replyTo();
    }

    public Mail compose(OutboxRepository.Claimed row) {
        Mail mail = new Mail()
                .setTo(List.of(row.email()))
                .setSubject(headerSafe(row.subject()))
                .setText(row.bodyText())
                .setHtml(row.bodyHtml())
                .addHeader("Message-ID", row.messageId())
                .addHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().atZone(ZoneOffset.UTC)));
        if (row.sender() != null) {
            mail.setFrom(headerSafe(row.sender()));
        }
        replyTo.ifPresent(r -> mail.setReplyTo(headerSafe(r)));
        if (row.purpose().isListMail()) {
            mail.addHeader("List-Unsubscribe", "<" + headerSafe(row.unsubscribeUrl()) + ">");
            mail.addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
            mail.addHeader("List-Id", headerSafe(row.listId()));
        }
        if (row.purpose() == Purpose.NURTURE) {
            mail.addHeader("Auto-Submitted", "auto-generated");
        }
        return mail;
    }

    /** Values were checked on the way in; this is the last guard against header injection. */
    private static String headerSafe(String value) {
        return value == null ? null : value.replace('\r', ' ').replace('\n', ' ');
    }
}
