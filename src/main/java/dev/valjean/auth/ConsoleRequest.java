package dev.valjean.auth;

import jakarta.enterprise.context.RequestScoped;

/** What a console page needs to render its frame and forms: the CSRF token, and a pre-session cookie to set. */
@RequestScoped
public class ConsoleRequest {

    private String csrfToken;
    private String newPreSessionCookie;

    void csrf(String token, String newCookie) {
        this.csrfToken = token;
        this.newPreSessionCookie = newCookie;
    }

    public String csrfToken() {
        return csrfToken;
    }

    /** A pre-session cookie made for this request, which the response must set; null when none. */
    public String newPreSessionCookie() {
        return newPreSessionCookie;
    }
}
