package dev.valjean.subscription;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.Purpose;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;

/**
 * The confirmation email: who asked, when, for which newsletters at what cadence, the link, and
 * "ignore this if it was not you". Nothing the requester typed appears except their name, escaped
 * in HTML; no marketing content.
 */
@ApplicationScoped
public class ConfirmationMail {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMMM yyyy, HH:mm 'UTC'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private final OutboxService outbox;
    private final Links links;
    private final Template html;
    private final Template text;

    public ConfirmationMail(OutboxService outbox, Links links, @Location("mail/confirmation.html") Template html,
            @Location("mail/confirmation.txt") Template text) {
        this.outbox = outbox;
        this.links = links;
        this.html = html;
        this.text = text;
    }

    void enqueue(long requestId, SubscriptionService.PendingRequest request, String token, List<SubscriptionService.Chosen> newsletters) {
        SubscriptionService.Chosen first = newsletters.get(0);
        String names = newsletters.size() == 1 ? first.name() : newsletters.size() + " newsletters";
        var data = java.util.Map.<String, Object> of(
                "name", request.name() == null ? "" : request.name(),
                "newsletters", newsletters.stream().map(n -> new Item(n.name(), n.cadence().phrase)).toList(),
                "when", WHEN.format(request.createdAt()),
                "confirmUrl", links.confirm(token),
                "validDays", java.time.Duration.between(request.createdAt(), request.expiresAt()).toDays(),
                "sender", first.senderName());
        // The subject names the newsletter; the sender is the newsletter's own.
        String subject = "Please confirm your subscription to " + names;
        outbox.enqueueLater(OutboxRequest.of("confirm:" + requestId, Purpose.CONFIRMATION, SubscriptionRequestBasis.TYPE,
                requestId, request.contactId(), subject, text.render(data), html.render(data))
                .from(first.fromHeader()));
    }

    /** One line of the newsletter list in the email. */
    public record Item(String name, String cadence) {
    }

    static String cadenceOf(Newsletter n) {
        return n.cadence.phrase;
    }
}
