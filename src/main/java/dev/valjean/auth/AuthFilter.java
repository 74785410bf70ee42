package dev.valjean.auth;

import java.lang.reflect.Method;
import java.util.Arrays;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.valjean.common.ValjeanException;
import io.quarkus.logging.Log;

/**
 * Authorization by annotation, wherever the resource lives: every resource method (or its class)
 * declares its roles with {@link Authorized} or is marked {@link PublicEndpoint}. One that
 * declares neither is denied to everyone (403), so a new endpoint is closed until someone opens
 * it on purpose. No token: 401. Wrong role: 403.
 */
public class AuthFilter {

    private final ApiTokenService tokens;
    private final Caller caller;

    public AuthFilter(ApiTokenService tokens, Caller caller) {
        this.tokens = tokens;
        this.caller = caller;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        Class<?> type = resource.getResourceClass();
        if (method == null) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (isPublic(method, type)) {
            // Public endpoints serve anonymous visitors; a server-to-server caller may still identify itself.
            if (header != null) {
                caller.authenticated(verify(header));
            }
            return;
        }
        Role[] allowed = allowedRoles(method, type);
        if (allowed == null) {
            Log.errorf("%s.%s declares neither @Authorized nor @PublicEndpoint: denied", type.getSimpleName(), method.getName());
            throw ValjeanException.forbidden("This endpoint is not open to anyone.");
        }
        ApiToken token = verify(header);
        if (Arrays.stream(allowed).noneMatch(r -> r == token.role)) {
            throw ValjeanException.forbidden("This endpoint needs the role " + Arrays.toString(allowed)
                    + "; the token has " + token.role + ".");
        }
        caller.authenticated(token);
    }

    private ApiToken verify(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() <= 7) {
            throw ValjeanException.unauthorized("Send an API token as 'Authorization: Bearer <token>'.");
        }
        return tokens.authenticate(header.substring(7).strip())
                .orElseThrow(() -> ValjeanException.unauthorized("This API token is unknown or revoked."));
    }

    static boolean isPublic(Method method, Class<?> type) {
        return method.isAnnotationPresent(PublicEndpoint.class) || type.isAnnotationPresent(PublicEndpoint.class);
    }

    /** The roles an endpoint admits: the method's annotation, else the class's; null when it declares none. */
    static Role[] allowedRoles(Method method, Class<?> type) {
        Authorized annotation = method.getAnnotation(Authorized.class);
        if (annotation == null) {
            annotation = type.getAnnotation(Authorized.class);
        }
        return annotation == null ? null : annotation.value();
    }
}
