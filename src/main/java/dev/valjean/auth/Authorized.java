package dev.valjean.auth;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The roles allowed on an /api/v1 resource method or class. Without it an /api/v1 endpoint is
 * admin-only: access is denied unless granted.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
public @interface Authorized {
    Role[] value();
}
