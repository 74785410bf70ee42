package dev.valjean.bounce;

import java.util.Locale;

/** What a bounce or a report says about an address. */
public enum BounceClass {
    /** The address will never work: suppress it. */
    HARD,
    /** Try again later: counted for the recipient, or for the sender when the refusal is about the sender. */
    SOFT,
    /** The person reported the mail as spam. */
    COMPLAINT,
    /** Neither (an auto-reply). */
    OTHER,
    /** A provider's report that the message was delivered (resets the soft-bounce count). */
    DELIVERED;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
