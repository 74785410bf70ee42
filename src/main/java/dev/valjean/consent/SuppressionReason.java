package dev.valjean.consent;

/** Why an address is on the suppression list. */
public enum SuppressionReason {
    /** The person opted out of all mail from this sender. */
    GLOBAL_OPT_OUT,
    /** The receiving server said the mailbox does not exist. */
    HARD_BOUNCE,
    /** The person marked a message as spam. */
    COMPLAINT,
    /** The person asked for their data to be erased. */
    ERASURE
}
