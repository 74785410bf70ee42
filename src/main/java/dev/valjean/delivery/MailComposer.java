package dev.valjean.delivery;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.ValjeanException;

/**
 * Builds the standard message for a claimed row: multipart/alternative with a text and an HTML
 * part, Message-ID (stable across retries), Date, From, optional Reply-To, and for list mail
 * List-Unsubscribe, List-Unsubscribe-Post (RFC 8058) and List-Id (RFC 2919).
 */
@ApplicationScoped
public class MailComposer {

    private final Clock clock;
    private final Optional<String> replyTo;
    private final String defaultFrom;
    private final java.util.Map<String, ContentRenderer> renderers = new java.util.HashMap<>();

    @jakarta.inject.Inject
    Verp verp;

    private final String feedbackSender;

    private final MessageIds messageIds;

    public MailComposer(Clock clock, DeliveryConfig config, SmtpConfig smtp,
            jakarta.enterprise.inject.Instance<ContentRenderer> renderers, MessageIds messageIds) {
        this.clock = clock;
        this.messageIds = messageIds;
        this.replyTo = config.replyTo();
        this.feedbackSender = token(config.feedbackSenderId());
        this.defaultFrom = smtp.from();
        renderers.forEach(r -> this.renderers.put(r.prefix(), r));
    }

    /**
     * Gmail's Feedback-ID, campaign:list:type:sender: the issue (or the kind of basis), the
     * newsletter's list, the purpose, and this sender, so complaint rates come back per issue.
     */
    String feedbackId(OutboxRepository.Claimed row, String listId) {
        // The same few values for every message of an issue: worked out once each, not per message on the hot path.
        String key = row.contentRef() + "\u0000" + row.basisType() + "\u0000" + listId + "\u0000" + row.purpose();
        String known = feedbackIds.get(key);
        if (known != null) {
            return known;
        }
        if (feedbackIds.size() > 1000) {
            feedbackIds.clear();
        }
        String id = newFeedbackId(row, listId);
        feedbackIds.put(key, id);
        return id;
    }

    private final java.util.Map<String, String> feedbackIds = new java.util.concurrent.ConcurrentHashMap<>();

    private String newFeedbackId(OutboxRepository.Claimed row, String listId) {
        String campaign = row.contentRef() != null ? token(row.contentRef()) : token(row.basisType());
        // List-Id is "name <id.domain>" (RFC 2919): the id's first label names the list
        String list = listId == null ? "none" : token(listId.replaceAll("^.*<([^>]*)>.*$", "$1").split("\\.")[0]);
        return campaign + ":" + list + ":" + row.purpose().name().toLowerCase(java.util.Locale.ROOT) + ":" + feedbackSender;
    }

    /** A Feedback-ID field: letters, digits and hyphens only (a colon separates the fields). */
    private static String token(String s) {
        String t = s == null ? "" : s.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
        return t.isEmpty() ? "none" : t.length() > 40 ? t.substring(0, 40) : t;
    }

    public OutgoingMail compose(OutboxRepository.Claimed row) {
        ContentRenderer.Rendered content = content(row);
        String subject = content.subject();
        String text = content.text();
        String html = content.html();
        String unsubscribeUrl = content.unsubscribeUrl();
        if (row.purpose().isListMail() && unsubscribeUrl == null) {
            throw new IllegalStateException("list mail without an unsubscribe link");
        }
        ContentRenderer.Headers own = headers(row.sender(), row.listId(), row.contentRef());
        String listId = own.listId();
        if (row.purpose().isListMail() && listId == null) {
            throw new IllegalStateException("list mail without a List-Id");
        }
        List<OutgoingMail.Header> headers = new ArrayList<>(6);
        headers.add(new OutgoingMail.Header("Message-ID", headerSafe(messageIds.of(row.id(), row.messageId()))));
        headers.add(new OutgoingMail.Header("Date",
                DateTimeFormatter.RFC_1123_DATE_TIME.format(clock.instant().atZone(ZoneOffset.UTC))));
        if (row.purpose().isListMail()) {
            headers.add(new OutgoingMail.Header("List-Unsubscribe", "<" + headerSafe(unsubscribeUrl) + ">"));
            headers.add(new OutgoingMail.Header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
            headers.add(new OutgoingMail.Header("List-Id", headerSafe(listId)));
        }
        if (row.purpose() == Purpose.NURTURE) {
            headers.add(new OutgoingMail.Header("Auto-Submitted", "auto-generated"));
        }
        headers.add(new OutgoingMail.Header("Feedback-ID", feedbackId(row, listId)));
        // To the address as the person typed it (the domain in ASCII): the identity's lower case is not theirs.
        String to = deliverable(row.email());
        return new OutgoingMail(headerSafe(own.sender() != null ? own.sender() : defaultFrom), headerSafe(to),
                replyTo.map(MailComposer::headerSafe).orElse(null), headerSafe(subject), text, html, headers,
                verp.envelopeFor(row.id()).orElse(null));
    }

    /**
     * The subject and bodies of a row: stored with it, or rendered for its person from its
     * content reference (a newsletter issue), exactly as at send time.
     */
    public ContentRenderer.Rendered content(OutboxRepository.Claimed row) {
        if (row.contentRef() == null) {
            return new ContentRenderer.Rendered(row.subject(), row.bodyText(), row.bodyHtml(), row.unsubscribeUrl());
        }
        ContentRenderer.Rendered rendered = renderer(row.contentRef()).render(row.contentRef(), row);
        return new ContentRenderer.Rendered(rendered.subject(), rendered.text(), rendered.html(),
                rendered.unsubscribeUrl() != null ? rendered.unsubscribeUrl() : row.unsubscribeUrl());
    }

    /**
     * A message's From and List-Id: its row's, or for a row that carries neither and refers to
     * content (an issue's, queued since V31), the content's. A null From is the server's default.
     */
    public ContentRenderer.Headers headers(String sender, String listId, String contentRef) {
        if (contentRef == null || sender != null || listId != null || "erased".equals(contentRef)) {
            return new ContentRenderer.Headers(sender, listId);
        }
        return renderer(contentRef).headers(contentRef);
    }

    private ContentRenderer renderer(String contentRef) {
        ContentRenderer renderer = renderers.get(contentRef.substring(0, Math.max(0, contentRef.indexOf(':'))));
        if (renderer == null) {
            throw new IllegalStateException("no renderer for content " + contentRef);
        }
        return renderer;
    }

    private static String deliverable(String typed) {
        try {
            return EmailAddress.parse(typed).deliverable();
        } catch (ValjeanException e) {
            throw new IllegalArgumentException("the stored address cannot be delivered: " + e.getMessage());
        }
    }

    /** Values were checked on the way in; this is the last guard against header injection. */
    private static String headerSafe(String value) {
        return value == null ? null : value.replace('\r', ' ').replace('\n', ' ');
    }
}
