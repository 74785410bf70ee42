package dev.valjean.nurture;

/** The two conversations nurture may serve. */
public enum SequencePurpose {
    /** Contacts on an open opportunity, started by sales on that deal. */
    SALES_ACCELERATION,
    /** Contacts at a customer account. */
    CUSTOMER_SUCCESS
}
