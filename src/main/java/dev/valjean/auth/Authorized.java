package dev.valjean.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The roles allowed on a resource method or class. An endpoint with neither this nor
 * {@link PublicEndpoint} is denied to everyone.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface Authorized {
    Role[] value();
}
