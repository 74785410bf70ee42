package dev.valjean.delivery;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import dev.valjean.common.BaseEntity;

/**
 * One email the system will send, has sent, or decided not to send. Written by
 * {@link OutboxService}; claimed and updated set-wise by {@link OutboxRepository}.
 */
@Entity
@Table(name = "outbox")
public class OutboxMessage extends BaseEntity {

    @Column(name = "idempotency_key")
    public String idempotencyKey;
    @Enumerated(EnumType.STRING)
    public Purpose purpose;
    @Column(name = "basis_type")
    public String basisType;
    @Column(name = "basis_id")
    public Long basisId;
    @Column(name = "contact_id")
    public Long contactId;
    public String sender;
    @Column(name = "content_ref")
    public String contentRef;
    public String subject;
    @Column(name = "body_text")
    public String bodyText;
    @Column(name = "body_html")
    public String bodyHtml;
    @Column(name = "list_id")
    public String listId;
    @Column(name = "unsubscribe_url")
    public String unsubscribeUrl;
    @Enumerated(EnumType.STRING)
    public OutboxStatus status;
    @Column(name = "status_reason")
    public String statusReason;
    public int attempts;
    @Column(name = "next_attempt_at")
    public Instant nextAttemptAt;
    @Column(name = "message_id")
    public String messageId;
    @Column(name = "last_reply")
    public String lastReply;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Column(name = "sent_at")
    public Instant sentAt;

    public static java.util.Optional<OutboxMessage> findByIdempotencyKey(String key) {
        return find("idempotencyKey", key).firstResultOptional();
    }
}
