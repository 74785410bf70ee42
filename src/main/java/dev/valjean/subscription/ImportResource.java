package dev.valjean.subscription;

import jakarta.ws.rs.Consumes;
import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

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

    @Operation(operationId = "importSubscribers", summary = "Import subscribers who consented elsewhere (CSV with evidence)",
            description = "Imports subscribers who consented elsewhere: a CSV with email and the evidence of each person's consent (when, where, the text they agreed to). Rows without evidence, suppressed or erased addresses are refused with their reasons; nothing is imported if the file is malformed. Imported people get no email now.")
    @APIResponse(responseCode = "201", description = "What was imported and what was refused, row by row", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.subscription.ImportService.Report.class)))
    @APIResponse(responseCode = "422", description = "CSV_MALFORMED, IMPORT_COLUMNS_MISSING, EMPTY_IMPORT, IMPORT_TOO_LARGE")
    @POST
    @Consumes({ "text/csv", "text/plain" })
    public Response importCsv(@PathParam("slug") String slug, String csv) {
        return Response.status(201).entity(imports.importCsv(slug, csv)).build();
    }
}
