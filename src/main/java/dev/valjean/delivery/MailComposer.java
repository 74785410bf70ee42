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
    private final java.util.Map<String, ContentRenderer> renderers = new java.util.HashMap<>();

    public MailComposer(Clock clock, DeliveryConfig config, jakarta.enterprise.inject.Instance<ContentRenderer> renderers) {
        this.clock = clock;
        this.replyTo = config.replyTo();
        renderers.forEach(r -> this.renderers.put(r.prefix(), r));
    }

    public Mail compose(OutboxRepository.Claimed row) {
        String subject = row.subject();
        String text = row.bodyText();
        String html = row.bodyHtml();
        String unsubscribeUrl = row.unsubscribeUrl();
        if (row.contentRef() != null) {
            String prefix = row.contentRef().substring(0, Math.max(0, row.contentRef().indexOf(':')));
            ContentRenderer renderer = renderers.get(prefix);
            if (renderer == null) {
                throw new IllegalStateException("no renderer for content " + row.contentRef());
            }
            ContentRenderer.Rendered rendered = renderer.render(row.contentRef(), row);
            subject = rendered.subject();
            text = rendered.text();
            html = rendered.html();
            unsubscribeUrl = rendered.unsubscribeUrl() != null ? rendered.unsubscribeUrl() : unsubscribeUrl;
        }
        if (row.purpose().isListMail() && unsubscribeUrl == null) {
            throw new IllegalStateException("list mail without an unsubscribe link");
        }
        Mail mail = new Mail()
                .setTo(List.of(row.email()))
                .setSubject(headerSafe(subject))
                .setText(text)
                .setHtml(html)
                .addHeader("Message-ID", row.messageId())
                .addHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().atZone(ZoneOffset.UTC)));
        if (row.sender() != null) {
            mail.setFrom(headerSafe(row.sender()));
        }
        replyTo.ifPresent(r -> mail.setReplyTo(headerSafe(r)));
        if (row.purpose().isListMail()) {
            mail.addHeader("List-Unsubscribe", "<" + headerSafe(unsubscribeUrl) + ">");
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
