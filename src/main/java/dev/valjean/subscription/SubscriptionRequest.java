package dev.valjean.subscription;

import java.time.Instant;
import java.util.Optional;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;

/** One sign-up: who asked, from where, and the hashed token of its confirmation link. */
@Entity
@Table(name = "subscription_request")
public class SubscriptionRequest extends BaseEntity {

    @Column(name = "contact_id")
    public long contactId;
    @Column(name = "token_hash")
    public String tokenHash;
    @Enumerated(EnumType.STRING)
    public Source source;
    public String page;
    public String ip;
    @Column(name = "user_agent")
    public String userAgent;
    public String name;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "expires_at")
    public Instant expiresAt;
    @Column(name = "confirmed_at")
    public Instant confirmedAt;
    @Column(name = "expired_at")
    public Instant expiredAt;
    @Column(name = "purged_at")
    public Instant purgedAt;

    public static Optional<SubscriptionRequest> findByTokenHash(String hash) {
        return find("tokenHash", hash).firstResultOptional();
    }
}
