package dev.valjean.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Quarkus' own endpoints under {@code /q/} are not JAX-RS resources, so {@link AuthFilter} does not
 * see them. Health (for probes) and the OpenAPI document stay public; everything else there
 * (metrics, and Swagger UI where it is included) needs an admin token. Prometheus scrapes with
 * {@code Authorization: Bearer <admin token>}.
 */
@ApplicationScoped
public class ManagementGuard {

    private final ApiTokenService tokens;

    public ManagementGuard(ApiTokenService tokens) {
        this.tokens = tokens;
    }

    void guard(@Observes Router router) {
        router.route("/q/*").order(Integer.MIN_VALUE).blockingHandler(this::check, false);
    }

    static boolean isPublic(String path) {
        return path.equals("/q/health") || path.startsWith("/q/health/") || path.equals("/q/openapi");
    }

    private void check(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        if (isPublic(path)) {
            ctx.next();
            return;
        }
        String header = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        var token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) && header.length() > 7
                ? tokens.authenticate(header.substring(7).strip())
                : java.util.Optional.<ApiTokenService.Verified> empty();
        if (token.isEmpty()) {
            deny(ctx, 401, "UNAUTHORIZED", "Authentication required", "Send an admin API token as 'Authorization: Bearer <token>'.");
        } else if (token.get().role() != Role.ADMIN) {
            deny(ctx, 403, "FORBIDDEN", "Not allowed", "This endpoint needs the role [ADMIN]; the token has " + token.get().role() + ".");
        } else {
            ctx.next();
        }
    }

    private static void deny(RoutingContext ctx, int status, String code, String title, String detail) {
        String body = "{\"type\":\"https://valjean.dev/problems/" + code.toLowerCase().replace('_', '-') + "\",\"title\":\""
                + title + "\",\"status\":" + status + ",\"detail\":\"" + detail + "\",\"code\":\"" + code + "\"}";
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json").end(body);
    }
}
