package dev.valjean.common;

/**
 * A business rule said no. Carries the HTTP status, a stable machine code and a human detail;
 * {@link ProblemMapper} turns it into application/problem+json.
 */
public class ValjeanException extends RuntimeException {

    public final int status;
    public final String code;
    public final String title;

    public ValjeanException(int status, String code, String title, String detail) {
        super(detail);
        this.status = status;
        this.code = code;
        this.title = title;
    }

    /** Per-field (or per-row) details, sent as the problem's {@code errors}. */
    public java.util.List<Problem.FieldError> errors() {
        return java.util.List.of();
    }

    /** Seconds a client should wait before trying again (sent as Retry-After), or null. */
    public Long retryAfterSeconds() {
        return null;
    }

    /** A 422 about one field, with the field in the problem's {@code errors}. */
    public static ValjeanException field(String code, String field, String message) {
        java.util.List<Problem.FieldError> errors = java.util.List.of(new Problem.FieldError(field, message));
        return new ValjeanException(422, code, "Invalid request", field + ": " + message) {
            @Override
            public java.util.List<Problem.FieldError> errors() {
                return errors;
            }
        };
    }

    /** A 422 with several fields' errors (each shown beside its field in the console). */
    public static ValjeanException fields(String code, String detail, java.util.List<Problem.FieldError> errors) {
        java.util.List<Problem.FieldError> kept = java.util.List.copyOf(errors);
        return new ValjeanException(422, code, "Invalid request", detail) {
            @Override
            public java.util.List<Problem.FieldError> errors() {
                return kept;
            }
        };
    }

    public static ValjeanException notFound(String what) {
        return new ValjeanException(404, "NOT_FOUND", "Not found", what + " does not exist.");
    }

    public static ValjeanException invalid(String code, String detail) {
        return new ValjeanException(422, code, "Invalid request", detail);
    }

    public static ValjeanException conflict(String code, String detail) {
        return new ValjeanException(409, code, "Conflict", detail);
    }

    public static ValjeanException unauthorized(String detail) {
        return new ValjeanException(401, "UNAUTHORIZED", "Authentication required", detail);
    }

    public static ValjeanException forbidden(String detail) {
        return new ValjeanException(403, "FORBIDDEN", "Not allowed", detail);
    }
}
