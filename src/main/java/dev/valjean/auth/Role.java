package dev.valjean.auth;

/** What an API token may do. */
public enum Role {
    /** Everything, including tokens, the outbox and the suppression list. */
    ADMIN,
    /** Newsletters, issues, layouts and sequences. */
    EDITOR,
    /** Accounts, opportunities and enrollments on open deals. */
    SALES
}
