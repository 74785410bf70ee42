package dev.valjean.consent;

import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Sql;

/**
 * Appends to the consent ledger. The table refuses UPDATE and DELETE; the IP and user agent of an
 * event go to a separate evidence row so that erasure can remove them and leave the event.
 */
@ApplicationScoped
public class ConsentLedger {

    /** One event. Only event, contact, newsletter and source are required. */
    public record Entry(LedgerEvent event, long contactId, long newsletterId, Long requestId, Long consentTextId,
            String source, String page, String ip, String userAgent, Instant evidenceAt, String evidenceText,
            String detail) {

        public static Entry of(LedgerEvent event, long contactId, long newsletterId, String source) {
            return new Entry(event, contactId, newsletterId, null, null, source, null, null, null, null, null, null);
        }

        public Entry request(Long id, Long consentText) {
            return new Entry(event, contactId, newsletterId, id, consentText, source, page, ip, userAgent, evidenceAt,
                    evidenceText, detail);
        }

        public Entry client(String pageUrl, String clientIp, String agent) {
            return new Entry(event, contactId, newsletterId, requestId, consentTextId, source, pageUrl, clientIp, agent,
                    evidenceAt, evidenceText, detail);
        }

        public Entry evidence(Instant at, String text) {
            return new Entry(event, contactId, newsletterId, requestId, consentTextId, source, page, ip, userAgent, at, text,
                    detail);
        }

        public Entry detail(String why) {
            return new Entry(event, contactId, newsletterId, requestId, consentTextId, source, page, ip, userAgent,
                    evidenceAt, evidenceText, why);
        }
    }

    private final Sql sql;
    private final Clock clock;
    private final dev.valjean.events.Events events;

    public ConsentLedger(Sql sql, Clock clock, dev.valjean.events.Events events) {
        this.sql = sql;
        this.clock = clock;
        this.events = events;
    }

    /** The event the systems around Valjean hear for a ledger event (an import is a confirmed subscription with its evidence). */
    private static final java.util.Map<String, String> EVENT_OUT = java.util.Map.of("REQUESTED", "subscription.requested", "CONFIRMED",
            "subscription.confirmed", "IMPORTED", "subscription.confirmed", "UNSUBSCRIBED", "subscription.unsubscribed", "EXPIRED",
            "subscription.expired");

    /** The event and its evidence (kept apart so erasure can clear the evidence) in one statement; the event's id. */
    private static final String APPEND = """
            WITH event AS (
                INSERT INTO consent_event (occurred_at, event, contact_id, newsletter_id, request_id, consent_text_id,
                                           source, page, evidence_at, evidence_text, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id),
            evidence AS (
                INSERT INTO consent_evidence (event_id, ip, user_agent)
                SELECT id, ?, ? FROM event WHERE ?::text IS NOT NULL OR ?::text IS NOT NULL)
            SELECT id FROM event""";

    private Object[] params(Entry e) {
        return new Object[] { clock.instant(), e.event(), e.contactId(), e.newsletterId(), e.requestId(), e.consentTextId(), e.source(),
                e.page(), e.evidenceAt(), e.evidenceText(), e.detail(), e.ip(), e.userAgent(), e.ip(), e.userAgent() };
    }

    /**
     * {@link #append} for a caller that needs no id and has another statement to run in its
     * transaction: the event goes in that statement's round trip ({@link Sql#updateLater}), or on its
     * own before the commit. Appended at once when the systems around Valjean want to hear of it,
     * as their event carries its id.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void appendWithNext(Entry e) {
        String out = EVENT_OUT.get(e.event().name());
        if (out != null && events.wants(out)) {
            append(e);
            return;
        }
        sql.updateLater(APPEND, params(e));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public long append(Entry e) {
        long id = sql.firstLong(APPEND, params(e)).orElseThrow();
        String out = EVENT_OUT.get(e.event().name());
        if (out != null && events.wants(out)) {
            String slug = sql.rows("SELECT slug FROM newsletter WHERE id = ?", e.newsletterId()).get(0).get("slug").toString();
            events.emit(out, e.contactId(), java.util.Map.of("newsletter", slug, "source", e.source(), "ledgerEventId", id));
        }
        return id;
    }
}
