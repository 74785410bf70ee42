package dev.valjean.auth;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Signing;

/**
 * CSRF tokens for console forms (synchronizer tokens, OWASP): the token is an HMAC of the
 * session, so it cannot be read or made by another site and dies with the session. Before
 * sign-in, it is an HMAC of a random pre-session cookie (double submit). Forms carry it in
 * {@value #FIELD}; htmx requests in the {@value #HEADER} header.
 */
@ApplicationScoped
public class CsrfTokens {

    public static final String FIELD = "_csrf";
    public static final String HEADER = "X-CSRF-Token";
    public static final String PRE_SESSION_COOKIE = "vj_csrf";

    private final Signing signing;

    public CsrfTokens(Signing signing) {
        this.signing = signing;
    }

    public String forSession(String sessionTokenHash) {
        return signing.sign("console-csrf", sessionTokenHash);
    }

    public String forPreSession(String cookie) {
        return signing.sign("console-csrf-pre", cookie);
    }

    public boolean valid(String expected, String given) {
        return expected != null && given != null && given.length() < 100
                && java.security.MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        given.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
