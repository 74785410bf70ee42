package dev.valjean.subscription;

import java.util.List;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;


/**
 * CORS for the embedded form only: the sign-up and challenge endpoints answer browsers on the
 * configured origins and no others; every other endpoint sends no CORS headers at all.
 */
public class EmbedCors {

    private static final List<String> PATHS = List.of("/api/v1/subscriptions", "/api/v1/challenge");

    private final EmbedOrigins origins;

    public EmbedCors(EmbedOrigins origins) {
        this.origins = origins;
    }

    private boolean allowed(String origin) {
        return origins.allowed(origin);
    }

    /** Answers preflight requests before routing (there is no OPTIONS resource method). */
    @ServerRequestFilter(preMatching = true)
    public Response preflight(ContainerRequestContext request) {
        if (!"OPTIONS".equals(request.getMethod()) || !PATHS.contains(pathOf(request))) {
            return null;
        }
        String origin = request.getHeaderString("Origin");
        if (!allowed(origin)) {
            origins.refused(origin);
            return Response.status(403).build();
        }
        return Response.noContent()
                .header("Access-Control-Allow-Origin", origin)
                .header("Access-Control-Allow-Methods", "GET, POST")
                .header("Access-Control-Allow-Headers", "Content-Type")
                .header("Access-Control-Max-Age", "600")
                .header("Vary", "Origin")
                .build();
    }

    @ServerResponseFilter
    public void headers(ContainerRequestContext request, ContainerResponseContext response) {
        String origin = request.getHeaderString("Origin");
        if (!PATHS.contains(pathOf(request)) || origin == null) {
            return;
        }
        if (allowed(origin)) {
            response.getHeaders().putSingle("Access-Control-Allow-Origin", origin);
            response.getHeaders().putSingle("Vary", "Origin");
        } else {
            origins.refused(origin);
        }
    }

    private static String pathOf(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        return path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }
}
