package dev.valjean.auth;

import jakarta.enterprise.context.RequestScoped;

/** Who made the current request: an API token (set by {@link AuthFilter}) or a person signed in to the console. */
@RequestScoped
public class Caller {

    private ApiTokenService.Verified token;
    private Person person;
    private Long sessionId;
    private String presented;

    /** Called by {@link AuthFilter} once the token is verified (a method, so it reaches the request's instance through the proxy). */
    void authenticated(ApiTokenService.Verified verified) {
        this.token = verified;
    }

    /** Called by {@link AuthFilter} once the session cookie is verified. */
    void signedIn(Person who, long session) {
        this.person = who;
        this.sessionId = session;
    }

    /** Called by {@link AuthFilter} for an endpoint that checks its token itself ({@link TokenCheckedWithTheWork}). */
    void presented(String secret) {
        this.presented = secret;
    }

    /** The bearer token sent to an endpoint that checks it itself ({@link TokenCheckedWithTheWork}), unchecked; null when none. */
    public String presentedToken() {
        return presented;
    }

    public boolean isAuthenticated() {
        if (presented != null && token == null) {
            // the endpoint said it checks its token itself: asking here would take an unchecked token for a checked one
            throw new IllegalStateException("the bearer token of this request is checked by its endpoint, not yet verified");
        }
        return token != null || person != null;
    }

    /** The API token's id, or null when a person (or nobody) is calling. */
    public Long tokenId() {
        return token == null ? null : token.id();
    }

    /** The signed-in person's id, or null. */
    public Long personId() {
        return person == null ? null : person.id;
    }

    public Long sessionId() {
        return sessionId;
    }

    public Role role() {
        return person != null ? person.role : token == null ? null : token.role();
    }

    public String email() {
        return person != null ? person.email : token == null ? null : token.email();
    }

    public String name() {
        return person != null ? person.name : token == null ? null : token.name();
    }

    /** Who to record in the audit trail. */
    public Actor actor() {
        if (person != null) {
            return new Actor(Actor.Kind.PERSON, person.id, person.name + " <" + person.email + ">");
        }
        if (token != null) {
            return new Actor(Actor.Kind.TOKEN, token.id(), "API token '" + token.name() + "'");
        }
        return Actor.VISITOR;
    }
}
