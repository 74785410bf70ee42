package dev.valjean.console;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The console's browser security: a Content-Security-Policy that allows scripts only from
 * Valjean itself (no inline script, no eval), never framed by another site, forms posting only
 * to Valjean; no referrer leaves the console; nothing personal is cached.
 */
public class SecurityHeaders {

    /**
     * Inline styles stay allowed: the issue preview shows the author's email HTML, whose layouts
     * style with {@code <style>} and {@code style=""} as email clients require; it runs in a
     * sandboxed frame with scripts off.
     */
    static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
            + "frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/console")) {
            return;
        }
        var headers = response.getHeaders();
        headers.putSingle("Content-Security-Policy", POLICY);
        headers.putSingle("X-Frame-Options", "DENY");
        headers.putSingle("X-Content-Type-Options", "nosniff");
        headers.putSingle("Referrer-Policy", "same-origin");
        if (!path.startsWith("/console/assets/")) {
            headers.putSingle("Cache-Control", "no-store");
        }
    }
}
