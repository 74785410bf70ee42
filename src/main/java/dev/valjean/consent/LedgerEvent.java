package dev.valjean.consent;

/** What the consent ledger records. */
public enum LedgerEvent {
    REQUESTED, CONFIRMED, UNSUBSCRIBED, EXPIRED, IMPORTED, ERASED
}
