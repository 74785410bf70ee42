package dev.valjean.auth;

import jakarta.enterprise.context.RequestScoped;

/** What a console page needs to render its frame and forms: the CSRF token, and a pre-session cookie to set. */
@RequestScoped
public class ConsoleRequest {

    private String csrfToken;
    private String newPreSessionCookie;
    private boolean csrfRequired;
    private String expectedCsrf;
    private String path;

    void csrf(String token, String newCookie) {
        this.csrfToken = token;
        this.newPreSessionCookie = newCookie;
    }

    /** A state-changing console request must bring this token (null: none can be right); a safe one needs none. */
    void expectCsrf(String expected, String requestPath, boolean required) {
        this.csrfRequired = required;
        this.expectedCsrf = expected;
        this.path = requestPath;
    }

    boolean csrfRequired() {
        return csrfRequired;
    }

    String expectedCsrf() {
        return expectedCsrf;
    }

    String path() {
        return path;
    }

    public String csrfToken() {
        return csrfToken;
    }

    /** A pre-session cookie made for this request, which the response must set; null when none. */
    public String newPreSessionCookie() {
        return newPreSessionCookie;
    }
}
