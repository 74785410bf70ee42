package dev.valjean.delivery;

/**
 * Where a message stands. SENDING is reported, never stored: a message being sent is QUEUED in
 * the outbox and has a lease (table outbox_lease, V29).
 */
public enum OutboxStatus {
    QUEUED, SENDING, SENT, FAILED, SKIPPED, PAUSED
}
