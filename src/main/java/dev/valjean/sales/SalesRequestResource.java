package dev.valjean.sales;

import java.util.List;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

/** Sales requests (demo, contact sales, trial) for sales: who asked, whether they fit, whether the CRM has them. */
@Path("/api/v1/sales-requests")
@Authorized({ Role.ADMIN, Role.SALES })
public class SalesRequestResource {

    private final SalesRequests requests;

    public SalesRequestResource(SalesRequests requests) {
        this.requests = requests;
    }

    /**
     * Demo, contact-sales and trial requests, newest first, with their fit, whether the CRM has them,
     * and whether sales handled them. By {@code status} ({@code open} or {@code handled}; {@code handled=true|false}
     * says the same), {@code crm} (the CRM's receipt: NOT_POSTED, PENDING, POSTED, FAILED) and {@code qualified};
     * {@code limit} (1–500, 100) and {@code before} (an id: the page after it).
     */
    @Operation(operationId = "listSalesRequests", summary = "List sales requests",
            description = "Demo, contact-sales and trial requests, newest first, with their fit, the CRM's receipt (NOT_POSTED, PENDING, POSTED, FAILED) and whether sales handled them; by status (open or handled), crm and qualified; limit (1-500, default 100) older than the id before.")
    @APIResponse(responseCode = "200", description = "The sales requests", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = SalesRequests.SalesRequestView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: status, crm or limit out of range")
    @GET
    public List<SalesRequests.SalesRequestView> list(@QueryParam("qualified") Boolean qualified, @QueryParam("handled") Boolean handled,
            @QueryParam("status") String status, @QueryParam("crm") String crm, @QueryParam("before") Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(500) int limit) {
        Boolean open = handled == null ? null : !handled;
        if (status != null) {
            switch (status) {
                case "open" -> open = Boolean.TRUE;
                case "handled" -> open = Boolean.FALSE;
                default -> throw ValjeanException.field("VALIDATION_FAILED", "status", "open or handled");
            }
        }
        if (crm != null && !List.of("NOT_POSTED", "PENDING", "POSTED", "FAILED").contains(crm)) {
            throw ValjeanException.field("VALIDATION_FAILED", "crm", "NOT_POSTED, PENDING, POSTED or FAILED");
        }
        return requests.list(qualified, open, crm, before, limit);
    }
}
