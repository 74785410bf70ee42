package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.abuse.ChallengeService;
import dev.valjean.abuse.RequestLimiter;
import dev.valjean.common.Sql;
import dev.valjean.consent.ConsentLedger;
import dev.valjean.consent.LedgerEvent;
import dev.valjean.delivery.OutboxRepository;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/**
 * Housekeeping of sign-ups: unconfirmed requests expire (an EXPIRED ledger event each), and once
 * the retention has passed their personal data is deleted: IP, user agent, name, the confirmation
 * email's text, and the address itself when the person has nothing else with us.
 */
@ApplicationScoped
public class RequestExpiry {

    private static final int BATCH = 500;

    private final SubscriptionConfig config;
    private final ConsentLedger ledger;
    private final ChallengeService challenges;
    private final RequestLimiter limiter;
    private final Sql sql;
    private final Clock clock;

    public RequestExpiry(SubscriptionConfig config, ConsentLedger ledger, ChallengeService challenges, RequestLimiter limiter,
            Sql sql, Clock clock) {
        this.config = config;
        this.ledger = ledger;
        this.challenges = challenges;
        this.limiter = limiter;
        this.sql = sql;
        this.clock = clock;
    }

    @Scheduled(every = "${valjean.subscription.housekeeping-every:10m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        int expired = expire();
        int purged = purge();
        challenges.purgeExpired();
        limiter.purge();
        if (expired + purged > 0) {
            Log.infof("Sign-up housekeeping: %d requests expired, %d purged of personal data", expired, purged);
        }
    }

    /** Marks open requests past their expiry as EXPIRED, with their pending subscriptions. */
    @Transactional
    public int expire() {
        Instant now = clock.instant();
        // SKIP LOCKED: another instance doing the same, or a person confirming right now, is left alone.
        List<Long> ids = sql.longs("""
                SELECT id FROM subscription_request
                WHERE confirmed_at IS NULL AND expired_at IS NULL AND expires_at <= ?
                ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED""", now, BATCH);
        if (ids.isEmpty()) {
            return 0;
        }
        sql.update("UPDATE subscription_request SET expired_at = ? WHERE id = ANY(?)", now, ids);
        for (Map<String, Object> item : sql.rows("""
                SELECT r.id AS request_id, r.contact_id, r.source, i.newsletter_id, i.consent_text_id
                FROM subscription_request r JOIN subscription_request_item i ON i.request_id = r.id
                WHERE r.id = ANY(?) ORDER BY r.id""", ids)) {
            long contactId = ((Number) item.get("contact_id")).longValue();
            long newsletterId = ((Number) item.get("newsletter_id")).longValue();
            // Still pending and no newer open request for the same newsletter: the subscription expires too.
            sql.update("""
                    UPDATE subscription s SET status = 'EXPIRED', updated_at = ?
                    WHERE s.contact_id = ? AND s.newsletter_id = ? AND s.status = 'PENDING'
                      AND NOT EXISTS (SELECT 1 FROM subscription_request r JOIN subscription_request_item i ON i.request_id = r.id
                                      WHERE r.contact_id = s.contact_id AND i.newsletter_id = s.newsletter_id
                                        AND r.confirmed_at IS NULL AND r.expired_at IS NULL)""",
                    now, contactId, newsletterId);
            ledger.append(ConsentLedger.Entry.of(LedgerEvent.EXPIRED, contactId, newsletterId, (String) item.get("source"))
                    .request(((Number) item.get("request_id")).longValue(), ((Number) item.get("consent_text_id")).longValue()));
        }
        return ids.size();
    }

    /** Deletes the personal data of requests that expired longer than the retention ago. */
    @Transactional
    public int purge() {
        Instant now = clock.instant();
        List<Long> ids = sql.longs("""
                SELECT id FROM subscription_request
                WHERE expired_at IS NOT NULL AND confirmed_at IS NULL AND purged_at IS NULL AND expired_at <= ?
                ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED""", now.minus(config.retention()), BATCH);
        if (ids.isEmpty()) {
            return 0;
        }
        sql.update("UPDATE subscription_request SET ip = NULL, user_agent = NULL, name = NULL, purged_at = ? WHERE id = ANY(?)",
                now, ids);
        sql.update("DELETE FROM consent_evidence WHERE event_id IN (SELECT id FROM consent_event WHERE request_id = ANY(?))", ids);
        // Messages being sent (leased) keep their content until sent; claims under way are waited for first.
        OutboxRepository.untilClaimed(sql, "basis_type = ? AND basis_id = ANY(?)", SubscriptionRequestBasis.TYPE, ids);
        sql.update("""
                UPDATE outbox o SET subject = NULL, body_text = NULL, body_html = NULL, content_ref = 'purged', updated_at = ?
                WHERE basis_type = ? AND basis_id = ANY(?) AND NOT EXISTS (""" + OutboxRepository.LEASE_OF_O + ")",
                now, SubscriptionRequestBasis.TYPE, ids);
        // The address itself goes when the person has no subscription and no open request left.
        sql.update("""
                UPDATE contact c SET email = NULL, email_normalized = NULL, name = NULL
                WHERE c.id IN (SELECT contact_id FROM subscription_request WHERE id = ANY(?))
                  AND c.erased_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM subscription s WHERE s.contact_id = c.id AND s.status IN ('CONFIRMED', 'PENDING', 'UNSUBSCRIBED'))
                  AND NOT EXISTS (SELECT 1 FROM subscription_request r WHERE r.contact_id = c.id AND r.confirmed_at IS NULL
                                  AND r.expired_at IS NULL)""", ids);
        return ids.size();
    }
}
