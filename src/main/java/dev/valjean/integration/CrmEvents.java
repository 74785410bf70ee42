package dev.valjean.integration;

import java.time.Clock;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Sql;

/**
 * The ids of CRM webhook events already applied, so a replayed event changes nothing. Kept a day:
 * an older replay fails the signature's age check anyway.
 */
@ApplicationScoped
public class CrmEvents {

    private static final Duration KEEP = Duration.ofDays(1);

    private final Sql sql;
    private final Clock clock;

    public CrmEvents(Sql sql, Clock clock) {
        this.sql = sql;
        this.clock = clock;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public boolean seen(String eventId) {
        return sql.firstLong("SELECT 1 FROM crm_webhook_event WHERE event_id = ?", eventId).isPresent();
    }

    @Transactional
    public void record(String eventId, String type) {
        sql.update("INSERT INTO crm_webhook_event (event_id, type, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                eventId, type, clock.instant());
        sql.update("DELETE FROM crm_webhook_event WHERE received_at < ?", clock.instant().minus(KEEP));
    }
}
