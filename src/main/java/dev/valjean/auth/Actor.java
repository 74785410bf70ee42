package dev.valjean.auth;

/** Who did something, as the audit trail records it. */
public record Actor(Kind kind, Long id, String name) {

    public enum Kind {
        /** A person signed in to the console. */
        PERSON,
        /** An API token. */
        TOKEN,
        /** Valjean itself (a scheduled job, a start-up task). */
        SYSTEM,
        /** Someone not signed in (a public page, a link from an email). */
        VISITOR
    }

    public static final Actor SYSTEM = new Actor(Kind.SYSTEM, null, "Valjean");
    public static final Actor VISITOR = new Actor(Kind.VISITOR, null, "a visitor");
}
