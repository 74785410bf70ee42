package dev.valjean.newsletter;

import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;
import dev.valjean.common.Sql;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;

/** A newsletter's logo, served by Valjean under a URL that changes with the image, so it may be cached for a year. */
@Path("/brand")
@PublicEndpoint
public class BrandResource {

    private final Sql sql;

    public BrandResource(Sql sql) {
        this.sql = sql;
    }

    @Operation(operationId = "getLogo", summary = "Get a newsletter's logo",
            description = "A newsletter's logo, by its content hash (cached for a year).")
    @APIResponse(responseCode = "200", description = "The image", content = @Content(mediaType = "image/*"))
    @GET
    @Path("/{slug}/logo-{hash}")
    public Response logo(@PathParam("slug") String slug, @PathParam("hash") String hash) {
        Map<String, Object> row = sql.rows("SELECT logo, logo_type FROM newsletter WHERE slug = ? AND logo_hash = ?", slug, hash).stream()
                .findFirst().orElse(null);
        if (row == null) {
            return Response.status(404).build();
        }
        return Response.ok(row.get("logo"), (String) row.get("logo_type")).header("Cache-Control", "public, max-age=31536000, immutable")
                .header("X-Content-Type-Options", "nosniff").header("Content-Security-Policy", "default-src 'none'; sandbox").build();
    }
}
