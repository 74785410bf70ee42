package dev.valjean.subscription;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;

/** A person's standing with one newsletter; only CONFIRMED receives issues. */
@Entity
@Table(name = "subscription")
public class Subscription extends BaseEntity {

    @Column(name = "contact_id")
    public long contactId;
    @Column(name = "newsletter_id")
    public long newsletterId;
    @Enumerated(EnumType.STRING)
    public SubscriptionStatus status;
    @Column(name = "consent_text_id")
    public Long consentTextId;
    @Enumerated(EnumType.STRING)
    public Source source;
    @Column(name = "requested_at")
    public Instant requestedAt;
    @Column(name = "confirmed_at")
    public Instant confirmedAt;
    @Column(name = "unsubscribed_at")
    public Instant unsubscribedAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    public static List<Subscription> ofContact(long contactId) {
        return list("contactId = ?1 order by id", contactId);
    }
}
