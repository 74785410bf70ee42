package dev.valjean.subscription;

/** Where a subscription request came from. */
public enum Source {
    HOSTED_PAGE, EMBED, API, IMPORT,
    /** The unticked newsletter checkbox of another form (a download, an event registration). */
    FORM,
    /** A newsletter joined from the preference centre (a link from an email the person received). */
    PREFERENCE_CENTRE
}
