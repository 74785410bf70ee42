package dev.valjean.auth;

import java.lang.reflect.Method;
import java.util.Arrays;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.NewCookie;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveContainerRequestContext;

import dev.valjean.common.Signing;
import dev.valjean.common.ValjeanException;
import io.quarkus.logging.Log;

/**
 * Authorization by annotation, wherever the resource lives: every resource method (or its class)
 * declares its roles with {@link Authorized} or is marked {@link PublicEndpoint}. One that
 * declares neither is denied to everyone (403), so a new endpoint is closed until someone opens
 * it on purpose. No token: 401. Wrong role: 403. Console pages ({@link ConsolePage}) are for
 * people with a session cookie instead, and check the CSRF token of every state-changing request.
 */
public class AuthFilter {

    private final ApiTokenService tokens;
    private final SessionService sessions;
    private final CsrfTokens csrf;
    private final Caller caller;
    private final ConsoleRequest console;
    private final ConsoleConfig config;

    public AuthFilter(ApiTokenService tokens, SessionService sessions, CsrfTokens csrf, Caller caller, ConsoleRequest console,
            ConsoleConfig config) {
        this.tokens = tokens;
        this.sessions = sessions;
        this.csrf = csrf;
        this.caller = caller;
        this.console = console;
        this.config = config;
    }

    @ServerRequestFilter
    public void authenticate(ResteasyReactiveContainerRequestContext request, ResourceInfo resource) {
        Method method = resource.getResourceMethod();
        Class<?> type = resource.getResourceClass();
        if (method == null) {
            return;
        }
        if (type.isAnnotationPresent(ConsolePage.class)) {
            consolePage(request, method, type);
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (isPublic(method, type)) {
            // Public endpoints serve anonymous visitors; a server-to-server caller may still identify itself with a token.
            // Another scheme (a provider's webhook with basic credentials) is the endpoint's own business.
            if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                if (method.isAnnotationPresent(TokenCheckedWithTheWork.class) && header.length() > 7) {
                    caller.presented(header.substring(7).strip());
                } else {
                    caller.authenticated(verify(header));
                }
            }
            return;
        }
        Role[] allowed = allowedRoles(method, type);
        if (allowed == null) {
            Log.errorf("%s.%s declares neither @Authorized nor @PublicEndpoint: denied", type.getSimpleName(), method.getName());
            throw ValjeanException.forbidden("This endpoint is not open to anyone.");
        }
        ApiTokenService.Verified token = verify(header);
        if (Arrays.stream(allowed).noneMatch(r -> r == token.role())) {
            throw ValjeanException.forbidden("This endpoint needs the role " + Arrays.toString(allowed)
                    + "; the token has " + token.role() + ".");
        }
        caller.authenticated(token);
    }

    private void consolePage(ResteasyReactiveContainerRequestContext request, Method method, Class<?> type) {
        String path = request.getUriInfo().getRequestUri().getRawPath();
        Cookie cookie = request.getCookies().get(SessionService.COOKIE);
        var session = sessions.current(cookie == null ? null : cookie.getValue());
        String expected;
        if (session.isPresent()) {
            caller.signedIn(session.get().person(), session.get().sessionId());
            expected = csrf.forSession(session.get().tokenHash());
            console.csrf(expected, null);
        } else {
            Cookie pre = request.getCookies().get(CsrfTokens.PRE_SESSION_COOKIE);
            if (pre != null && pre.getValue().length() >= 16 && pre.getValue().length() <= 100) {
                expected = csrf.forPreSession(pre.getValue());
                console.csrf(expected, null);
            } else {
                String fresh = Signing.randomToken(24);
                expected = null; // a request that brings no cookie cannot be a genuine form post
                console.csrf(csrf.forPreSession(fresh), fresh);
            }
        }
        console.expectCsrf(expected, path, !isSafe(request.getMethod()));
        if (isPublic(method, type)) {
            return;
        }
        if (session.isEmpty()) {
            throw new ConsoleAccess(ConsoleAccess.Kind.SIGN_IN, path, "Sign in to continue.");
        }
        Role[] allowed = allowedRoles(method, type);
        if (allowed == null) {
            Log.errorf("%s.%s declares neither @Authorized nor @PublicEndpoint: denied", type.getSimpleName(), method.getName());
            throw new ConsoleAccess(ConsoleAccess.Kind.FORBIDDEN, path, "This page is not open to anyone.");
        }
        if (Arrays.stream(allowed).noneMatch(r -> r == session.get().person().role)) {
            throw new ConsoleAccess(ConsoleAccess.Kind.FORBIDDEN, path, "Your role (" + session.get().person().role
                    + ") cannot open this page.");
        }
    }

    /**
     * The CSRF check of a state-changing console request, once its form is read (the token comes
     * in the form's {@value CsrfTokens#FIELD} field, or from htmx in the {@value CsrfTokens#HEADER} header).
     */
    @ServerRequestFilter(readBody = true, priority = jakarta.ws.rs.Priorities.USER + 10)
    public void checkCsrf(ResteasyReactiveContainerRequestContext request, ResourceInfo resource) {
        // Only console pages: the JSON API and the public pages never touch the request-scoped console state.
        if (resource.getResourceClass() == null || !resource.getResourceClass().isAnnotationPresent(ConsolePage.class)
                || !console.csrfRequired()) {
            return;
        }
        String given = request.getHeaderString(CsrfTokens.HEADER);
        if (given == null) {
            Object field = ((ResteasyReactiveRequestContext) request.getServerRequestContext()).getFormParameter(CsrfTokens.FIELD, true, false);
            given = field == null ? null : field.toString();
        }
        if (!csrf.valid(console.expectedCsrf(), given)) {
            Log.infof("Console request refused: %s %s without a valid CSRF token", request.getMethod(), console.path());
            throw new ConsoleAccess(ConsoleAccess.Kind.CSRF, console.path(), "This form has expired or did not come from Valjean.");
        }
    }

    /** Sets the pre-session CSRF cookie a console page made for a visitor who had none. */
    @ServerResponseFilter
    public void preSessionCookie(ContainerRequestContext request, ContainerResponseContext response) {
        if (!request.getUriInfo().getPath().startsWith("/console")) {
            return;
        }
        String fresh = console.newPreSessionCookie();
        if (fresh != null) {
            response.getHeaders().add(HttpHeaders.SET_COOKIE, new NewCookie.Builder(CsrfTokens.PRE_SESSION_COOKIE).value(fresh)
                    .path("/console").httpOnly(true).secure(config.secureCookies()).sameSite(NewCookie.SameSite.STRICT).build());
        }
    }

    private static boolean isSafe(String method) {
        return "GET".equals(method) || "HEAD".equals(method) || "OPTIONS".equals(method);
    }

    private ApiTokenService.Verified verify(String header) {
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
