package dev.valjean.delivery;

/** A message being sent is QUEUED and has a lease (table outbox_lease, V29). */
public enum OutboxStatus {
    QUEUED, SENT, FAILED, SKIPPED, PAUSED
}
