package dev.valjean.delivery;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.transaction.Transactional;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Signing;
import dev.valjean.common.Text;
import dev.valjean.common.ValjeanException;
import dev.valjean.contact.Contact;
import dev.valjean.contact.ContactService;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.quarkus.runtime.LaunchMode;

/**
 * The way into the outbox. Every email any feature sends is enqueued here; the consent gate
 * decides at once, and again right before the dispatcher submits it.
 */
@ApplicationScoped
public class OutboxService {

    /** Filters for the outbox listing; nulls mean "any". */
    public record Filter(OutboxStatus status, Purpose purpose, String email, Long contactId, Instant since, Long beforeId,
            int limit) {
    }

    private final ConsentGate gate;
    private final OutboxRepository repository;
    private final ContactService contacts;
    private final DeliveryMetrics metrics;
    private final Clock clock;
    private final Event<MessageQueued> queued;

    @jakarta.inject.Inject
    MailComposer composer;

    public OutboxService(ConsentGate gate, OutboxRepository repository, ContactService contacts, DeliveryMetrics metrics, Clock clock,
            Event<MessageQueued> queued) {
        this.gate = gate;
        this.repository = repository;
        this.contacts = contacts;
        this.metrics = metrics;
        this.clock = clock;
        this.queued = queued;
    }

    /**
     * Enqueues a message, or returns the existing one when the idempotency key was used before.
     * A message the gate refuses is stored as SKIPPED with the reason, never queued.
     */
    @Transactional
    public OutboxMessage enqueue(OutboxRequest request) {
        validate(request);
        ConsentGate.Decision decision = decide(request);
        Optional<Long> inserted = repository.insert(request, listIdHeader(request), statusOf(decision), decision.reason(),
                clock.instant());
        if (inserted.isEmpty()) {
            // The key was used before (a retry, or a concurrent enqueue that won): the first one stands.
            return OutboxMessage.findByIdempotencyKey(request.idempotencyKey()).orElseThrow();
        }
        queued(request, decision, inserted.get().toString());
        return OutboxMessage.findById(inserted.get());
    }

    /**
     * {@link #enqueue} for a caller that needs nothing back and whose idempotency key is new (a
     * sign-up's confirmation, keyed by the request this transaction created): the gate decides at
     * once, and the row is written in front of the transaction's next statement, or on its own before
     * the commit ({@code Sql.updateLater}). In a shared transaction the next sign-up's first statement
     * carries it: one round trip fewer a sign-up. A key used before would insert nothing, silently.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void enqueueLater(OutboxRequest request) {
        validate(request);
        ConsentGate.Decision decision = decide(request);
        repository.insertLater(request, listIdHeader(request), statusOf(decision), decision.reason(), clock.instant());
        queued(request, decision, request.idempotencyKey());
    }

    private ConsentGate.Decision decide(OutboxRequest request) {
        return gate.decide(new ConsentGate.Candidate(0, request.purpose(), request.basisType(), request.basisId(),
                request.contactId()));
    }

    private static OutboxStatus statusOf(ConsentGate.Decision decision) {
        return decision.send() ? OutboxStatus.QUEUED : OutboxStatus.SKIPPED;
    }

    /** Counts a new row and wakes the dispatcher once it is committed; a skipped one is logged. */
    private void queued(OutboxRequest request, ConsentGate.Decision decision, String which) {
        if (decision.send()) {
            metrics.enqueued(request.purpose());
            queued.fire(new MessageQueued(request.purpose()));
        } else {
            Log.infof("Outbox %s skipped at enqueue: %s", which, decision.reason());
        }
    }

    /**
     * Many list messages at once, rendered at send time from {@code contentRef} (an issue's,
     * {@code issue:<id>}): one row per {@code (basis_id, contact_id)} the source query selects. The
     * rows have no idempotency key: an issue's rows are unique by {@code (content_ref, basis_id)}
     * (V30). Nor do they carry the From and List-Id headers: those are the issue's, which its
     * renderer gives at send time ({@link ContentRenderer#headers}, V31).
     */
    public record Fanout(Purpose purpose, String basisType, String contentRef) {
    }

    /**
     * Enqueues a fan-out with one set-based statement. The consent gate's rules for enqueueing apply
     * as a filter: erased contacts and addresses suppressed for the purpose get no row. The gate
     * decides again, per row, right before sending. Every row must be new: the caller makes a repeat
     * impossible (an issue queues each part once, in the transaction that marks the part done). A
     * subscription already queued for the issue fails the whole statement on the unique index of
     * (content_ref, basis_id), so nothing is queued twice (a plain insert: checking each row for a
     * conflict first cost a fifth of a fan-out's time).
     *
     * @param source SQL selecting the columns {@code basis_id} and {@code contact_id}
     * @return the rows added
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public int enqueueAll(Fanout f, String source, Object... params) {
        if (!gate.justifies(f.basisType(), f.purpose())) {
            throw new IllegalArgumentException("basis " + f.basisType() + " cannot justify " + f.purpose());
        }
        if (f.contentRef() == null || !f.contentRef().startsWith("issue:")) {
            // the unique index that stands for the missing keys covers issues' rows only
            throw new IllegalArgumentException("a fan-out is an issue's, its content reference issue:<id>");
        }
        String[] blocking = ConsentGate.blockingReasons(f.purpose()).stream().map(Enum::name).toArray(String[]::new);
        int added = repository.insertAll(f, blocking, clock.instant(), source, params);
        metrics.enqueued(f.purpose(), added);
        return added;
    }

    /** Sends one TRANSACTIONAL message so an operator can check the relay set-up. */
    @Transactional
    public OutboxMessage sendTest(EmailAddress to, long operatorTokenId, String operatorName) {
        Contact contact = contacts.findOrCreate(to, null);
        String stamp = clock.instant().toString();
        return enqueue(OutboxRequest.of("relay-test:" + Signing.randomToken(12), Purpose.TRANSACTIONAL, OperatorBasis.TYPE,
                operatorTokenId, contact.id,
                "Valjean relay test",
                "This is a test message from Valjean, requested by " + operatorName + " at " + stamp + ".\n\n"
                        + "If you can read it, the SMTP relay works.\n",
                "<p>This is a test message from Valjean, requested by " + Text.escapeHtml(operatorName) + " at " + stamp + ".</p>"
                        + "<p>If you can read it, the SMTP relay works.</p>"));
    }

    /** One message of a person as they received it (or would have), or why it cannot be shown. */
    public record AsReceived(long id, String subject, String text, String html, String problem) {
    }

    /**
     * The message with its stored content, or rendered again for its person from its reference:
     * newsletter messages are rendered at send time and not stored. Empty when the message is not
     * this contact's. Erased content cannot be shown.
     */
    public Optional<AsReceived> asReceived(long id, long contactId) {
        return repository.peek(id, contactId).map(row -> {
            if ("erased".equals(row.contentRef())) {
                return new AsReceived(id, null, null, null, "Its content was erased with the person's data.");
            }
            try {
                ContentRenderer.Rendered r = composer.content(row);
                return new AsReceived(id, r.subject(), r.text(), r.html(), null);
            } catch (RuntimeException e) {
                return new AsReceived(id, row.subject(), null, null, "It cannot be rendered again: " + e.getMessage());
            }
        });
    }

    /** The From and List-Id a message goes out with: its own, or its content's (an issue's); the row's when that cannot be read. */
    public ContentRenderer.Headers headers(OutboxMessage m) {
        try {
            return composer.headers(m.sender, m.listId, m.contentRef);
        } catch (RuntimeException e) {
            return new ContentRenderer.Headers(m.sender, m.listId);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<OutboxMessage> find(long id) {
        return OutboxMessage.findByIdOptional(id);
    }

    /** Which of these messages are being sent (have a lease): they are QUEUED in the outbox and reported as SENDING. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public java.util.Set<Long> inFlight(java.util.Collection<Long> ids) {
        if (ids.isEmpty()) {
            return java.util.Set.of();
        }
        return OutboxLease.<OutboxLease> list("outboxId in ?1", ids).stream().map(l -> l.outboxId)
                .collect(java.util.stream.Collectors.toSet());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<OutboxMessage> list(Filter filter) {
        StringBuilder query = new StringBuilder("1 = 1");
        Parameters parameters = new Parameters();
        if (filter.status() == OutboxStatus.SENDING) {
            query.append(" and status = :status and id in (select l.outboxId from OutboxLease l)");
            parameters.and("status", OutboxStatus.QUEUED);
        } else if (filter.status() == OutboxStatus.QUEUED) {
            query.append(" and status = :status and id not in (select l.outboxId from OutboxLease l)");
            parameters.and("status", OutboxStatus.QUEUED);
        } else if (filter.status() != null) {
            query.append(" and status = :status");
            parameters.and("status", filter.status());
        }
        if (filter.purpose() != null) {
            query.append(" and purpose = :purpose");
            parameters.and("purpose", filter.purpose());
        }
        if (filter.contactId() != null) {
            query.append(" and contactId = :contactId");
            parameters.and("contactId", filter.contactId());
        }
        if (filter.email() != null) {
            Optional<Contact> contact = Contact.findByHash(contacts.hashOf(EmailAddress.parse(filter.email())));
            if (contact.isEmpty()) {
                return List.of();
            }
            query.append(" and contactId = :byEmail");
            parameters.and("byEmail", contact.get().id);
        }
        if (filter.since() != null) {
            query.append(" and createdAt >= :since");
            parameters.and("since", filter.since());
        }
        if (filter.beforeId() != null) {
            query.append(" and id < :beforeId");
            parameters.and("beforeId", filter.beforeId());
        }
        return OutboxMessage.<OutboxMessage> find(query.toString(), Sort.descending("id"), parameters)
                .page(Page.ofSize(filter.limit())).list();
    }

    private static void validate(OutboxRequest r) {
        requireHeaderSafe("subject", r.subject());
        requireHeaderSafe("sender", r.sender());
        requireHeaderSafe("listId", r.listId());
        requireHeaderSafe("listName", r.listName());
        requireHeaderSafe("unsubscribeUrl", r.unsubscribeUrl());
        if (r.bodyText() == null || r.bodyText().isBlank()) {
            throw ValjeanException.invalid("EMPTY_TEXT_PART", "Every message needs a non-empty text/plain part.");
        }
        if (r.bodyHtml() == null || r.subject() == null) {
            throw ValjeanException.invalid("INCOMPLETE_MESSAGE", "Every message needs a subject and an HTML part.");
        }
        if (r.purpose().isListMail()) {
            if (r.unsubscribeUrl() == null || !oneClickScheme(URI.create(r.unsubscribeUrl()).getScheme())) {
                throw ValjeanException.invalid("UNSUBSCRIBE_REQUIRED", "List mail needs an https one-click unsubscribe URI.");
            }
            if (r.listId() == null) {
                throw ValjeanException.invalid("LIST_ID_REQUIRED", "List mail needs a List-Id.");
            }
        }
    }

    /** RFC 8058 wants https; dev mode, whose mail is only logged, runs on http://localhost. */
    private static boolean oneClickScheme(String scheme) {
        return "https".equals(scheme) || ("http".equals(scheme) && LaunchMode.current() == LaunchMode.DEVELOPMENT);
    }

    /** A header value with a line break in it is refused: VALIDATION-style HEADER_INJECTION. */
    public static void requireHeaderSafe(String field, String value) {
        if (value != null && value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
            throw ValjeanException.invalid("HEADER_INJECTION", "The " + field + " cannot contain line breaks.");
        }
    }

    private static String listIdHeader(OutboxRequest r) {
        return listIdHeader(r.listId(), r.listName());
    }

    /** The List-Id header of a list (RFC 2919): {@code "name" <id>}. */
    public static String listIdHeader(String listId, String listName) {
        if (listId == null) {
            return null;
        }
        String name = listName == null ? "" : "\"" + listName.replace("\\", "").replace("\"", "") + "\" ";
        return name + "<" + listId + ">";
    }

    /** The lower-case domain of an address or "Name <address>" mailbox (the From address's, for Message-IDs and the sending domain). */
    public static String domainOf(String address) {
        String a = address.strip();
        if (a.endsWith(">")) {
            a = a.substring(a.lastIndexOf('<') + 1, a.length() - 1);
        }
        return a.substring(a.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }
}
