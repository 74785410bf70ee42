package dev.valjean.issue;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Table;

import org.hibernate.annotations.ColumnTransformer;

import dev.valjean.common.BaseEntity;

/** One issue of a newsletter: subject, optional preheader, layout, and one to three items (JSON). */
@Entity
@Table(name = "issue")
public class Issue extends BaseEntity {

    @Column(name = "newsletter_id")
    public long newsletterId;
    public String subject;
    public String preheader;
    public String layout;
    /** The stored layout version the issue was sent with (set when it starts); its archive page renders with it. */
    @Column(name = "layout_version_id")
    public Long layoutVersionId;
    /** The items as a JSON array of {title, body, url}. */
    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    public String items;
    @Enumerated(EnumType.STRING)
    public IssueStatus status;
    @Column(name = "scheduled_at")
    public Instant scheduledAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "sent_at")
    public Instant sentAt;
    @Column(name = "cancelled_at")
    public Instant cancelledAt;
    /** When the circuit breaker paused it, and why (the rate that tripped it). */
    @Column(name = "paused_at", insertable = false, updatable = false)
    public Instant pausedAt;
    @Column(name = "paused_reason", insertable = false, updatable = false)
    public String pausedReason;
    @Column(name = "resumed_at", insertable = false, updatable = false)
    public Instant resumedAt;
    /** The From and List-Id headers of every message of the issue, as its newsletter gave them when it started. */
    public String sender;
    @Column(name = "list_id")
    public String listId;
    @Column(name = "cadence_override")
    public String cadenceOverride;
    public Integer recipients;
    /** The outbox figures once the issue is SENT (status, and "status|reason" for skips and failures), as JSON. */
    @Column(name = "final_progress", columnDefinition = "jsonb", insertable = false, updatable = false)
    public String finalProgress;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    public String contentRef() {
        return "issue:" + id;
    }
}
