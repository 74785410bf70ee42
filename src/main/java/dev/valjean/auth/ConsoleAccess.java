package dev.valjean.auth;

/** Why a console request cannot go on; the console answers it with a page, not with JSON. */
public class ConsoleAccess extends RuntimeException {

    public enum Kind {
        /** No session: go to the sign-in page. */
        SIGN_IN,
        /** Signed in, but the role may not open this page. */
        FORBIDDEN,
        /** A state-changing request without the form's CSRF token. */
        CSRF,
        /** What the page would show does not exist (any more): an erased person, an unknown deal. */
        NOT_FOUND
    }

    /** The console's 404 page, with what was not found in words. */
    public static ConsoleAccess notFound(String what) {
        return new ConsoleAccess(Kind.NOT_FOUND, null, what);
    }

    public final Kind kind;
    public final String path;

    public ConsoleAccess(Kind kind, String path, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.path = path;
    }
}
