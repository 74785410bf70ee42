package dev.valjean.issue;

public enum IssueStatus {
    DRAFT, SCHEDULED, SENDING, PAUSED, SENT, CANCELLED
}
