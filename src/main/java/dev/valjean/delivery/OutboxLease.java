package dev.valjean.delivery;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * A message being sent: the lease an instance holds on an outbox row (V29), and once the relay has
 * answered, its result until the batch's results are moved into the outbox (V34, DECISIONS 39).
 * Written only by {@link OutboxRepository}'s claim, renewal, results and expiry; mapped so that the
 * outbox's listing can tell a message in flight from one waiting.
 */
@Entity
@Table(name = "outbox_lease")
public class OutboxLease extends PanacheEntityBase {

    @Id
    @Column(name = "outbox_id")
    public Long outboxId;
    public String owner;
    public Instant until;
}
