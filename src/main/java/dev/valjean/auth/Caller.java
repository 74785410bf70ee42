package dev.valjean.auth;

import jakarta.enterprise.context.RequestScoped;

/** Who made the current API request; set by {@link AuthFilter}. */
@RequestScoped
public class Caller {

    private ApiToken token;

    /** Called by {@link AuthFilter} once the token is verified (a method, so it reaches the request's instance through the proxy). */
    void authenticated(ApiToken verified) {
        this.token = verified;
    }

    public boolean isAuthenticated() {
        return token != null;
    }

    public Long tokenId() {
        return token == null ? null : token.id;
    }

    public Role role() {
        return token == null ? null : token.role;
    }

    public String email() {
        return token == null ? null : token.email;
    }

    public String name() {
        return token == null ? null : token.name;
    }
}
