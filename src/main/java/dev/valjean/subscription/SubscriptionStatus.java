package dev.valjean.subscription;

public enum SubscriptionStatus {
    PENDING, CONFIRMED, UNSUBSCRIBED, EXPIRED
}
