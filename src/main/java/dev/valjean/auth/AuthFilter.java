package dev.valjean.auth;

import java.lang.reflect.Method;
import java.util.Arrays;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.valjean.common.ValjeanException;

/**
 * Every /api/v1 endpoint needs {@code Authorization: Bearer <token>} unless marked
 * {@link PublicEndpoint}; the token's role must be among the endpoint's {@link Authorized} roles
 * (admin only when unannotated). No token: 401. Wrong role: 403.
 */
public class AuthFilter {

    static final String API_PREFIX = "api/v1/";

    private final ApiTokenService tokens;
    private final Caller caller;

    public AuthFilter(ApiTokenService tokens, Caller caller) {
        this.tokens = tokens;
        this.caller = caller;
    }

    @ServerRequestFilter
    public void authenticate(ContainerRequestContext request, ResourceInfo resource) {
        String path = request.getUriInfo().getPath();
        if (path.startsWith("/")) {
            path = path.substring(1);
        }
        Method method = resource.getResourceMethod();
        Class<?> type = resource.getResourceClass();
        if (!path.startsWith(API_PREFIX) || method == null) {
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
        ApiToken token = verify(header);
        Role[] allowed = allowedRoles(method, type);
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

    /** The roles an /api/v1 endpoint admits: the method's annotation, else the class's, else admin only. */
    public static Role[] allowedRoles(Method method, Class<?> type) {
        Authorized annotation = method.getAnnotation(Authorized.class);
        if (annotation == null) {
            annotation = type.getAnnotation(Authorized.class);
        }
        return annotation == null ? new Role[] { Role.ADMIN } : annotation.value();
    }
}
