package dev.valjean.subscription;

import jakarta.ws.rs.Consumes;
import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

/**
 * Import of an existing list, CSV with evidence per row (admin only). Columns: email,
 * consented_at, consent_source, consent_text, confirmed_at; optional name, ip.
 */
@Authorized(Role.ADMIN)
@Path("/api/v1/newsletters/{slug}/imports")
public class ImportResource {

    private final ImportService imports;

    public ImportResource(ImportService imports) {
        this.imports = imports;
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Import subscribers who consented elsewhere (CSV with evidence)")
    @POST
    @Consumes({ "text/csv", "text/plain" })
    public Response importCsv(@PathParam("slug") String slug, String csv) {
        return Response.status(201).entity(imports.importCsv(slug, csv)).build();
    }
}
