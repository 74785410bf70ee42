package dev.valjean.delivery;

public enum OutboxStatus {
    QUEUED, SENDING, SENT, FAILED, SKIPPED, PAUSED
}
