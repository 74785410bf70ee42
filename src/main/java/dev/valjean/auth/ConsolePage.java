package dev.valjean.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A class of server-rendered console pages. Its callers are people signed in with a session
 * cookie, not API tokens: without a session they are sent to the sign-in page, with the wrong
 * role they get the 403 page, and every state-changing request must carry the form's CSRF token.
 * Roles still come from {@link Authorized} (or {@link PublicEndpoint} for the sign-in pages).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface ConsolePage {
}
