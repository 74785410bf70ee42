package dev.valjean.auth;

/** What an API token may do. */
public enum Role {
    /** Everything, including tokens, the outbox and the suppression list. */
    ADMIN,
    /** Newsletters, issues, layouts and sequences. */
    EDITOR,
    /** Accounts, opportunities and enrollments on open deals. */
    SALES,
    /** Only hands bounce and complaint messages in (an MTA's pipe, an inbound-mail service); for tokens, never people. */
    BOUNCES;

    /** Whether a person in the console may hold this role (BOUNCES is for machines). */
    public boolean forPeople() {
        return this != BOUNCES;
    }
}
