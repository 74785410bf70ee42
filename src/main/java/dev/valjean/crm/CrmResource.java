package dev.valjean.crm;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;

/**
 * CRM data for sales and the CRM integration: PUT is an idempotent upsert by the CRM's own id
 * (201 when it created the record, 200 when it updated it).
 */
@Path("/api/v1")
@Authorized({ Role.ADMIN, Role.SALES })
public class CrmResource {

    public static final String EXTERNAL_ID = "[A-Za-z0-9._:-]{1,200}";

    public record AccountRequest(@NotBlank @Size(max = 200) String name, @NotNull Boolean customer, LocalDate customerSince,
            @Size(max = 100) String industry, @Min(0) @Max(10_000_000) Integer employeeCount,
            @Pattern(regexp = "[A-Z]{2}", message = "an ISO 3166 alpha-2 code such as DE") String country) {
    }

    public record MemberRequest(@NotBlank @Size(max = 320) String email, @Size(max = 200) String name,
            @Size(max = 100) String role, @Size(max = 64) String timeZone) {
    }

    public record OpportunityRequest(@NotBlank @Size(max = 200) String account, @NotBlank @Size(max = 200) String name,
            @Size(max = 100) String stage, @NotNull CrmService.OpportunityStatus status, @Size(max = 320) String owner,
            @Size(max = 100) List<@Valid @NotNull MemberRequest> contacts) {
    }

    private final CrmService crm;

    public CrmResource(CrmService crm) {
        this.crm = crm;
    }

    @PUT
    @Path("/accounts/{externalId}")
    public Response putAccount(@PathParam("externalId") String externalId, @Valid @NotNull AccountRequest r) {
        requireId(externalId);
        CrmService.Upserted u = crm.putAccount(externalId, new CrmService.AccountData(r.name(), r.customer(), r.customerSince(),
                r.industry(), r.employeeCount(), r.country()));
        return Response.status(u.created() ? 201 : 200).entity(crm.account(externalId).orElseThrow()).build();
    }

    @GET
    @Path("/accounts/{externalId}")
    public CrmService.AccountView account(@PathParam("externalId") String externalId) {
        return crm.account(externalId).orElseThrow(() -> ValjeanException.notFound("Account '" + externalId + "'"));
    }

    @PUT
    @Path("/opportunities/{externalId}")
    public Response putOpportunity(@PathParam("externalId") String externalId, @Valid @NotNull OpportunityRequest r) {
        requireId(externalId);
        CrmService.Upserted u = crm.putOpportunity(externalId, opportunityData(r));
        return Response.status(u.created() ? 201 : 200).entity(crm.opportunity(externalId).orElseThrow()).build();
    }

    @GET
    @Path("/opportunities/{externalId}")
    public CrmService.OpportunityView opportunity(@PathParam("externalId") String externalId) {
        return crm.opportunity(externalId).orElseThrow(() -> ValjeanException.notFound("Opportunity '" + externalId + "'"));
    }

    public static CrmService.OpportunityData opportunityData(OpportunityRequest r) {
        List<CrmService.Member> members = r.contacts() == null ? List.of()
                : r.contacts().stream().map(m -> new CrmService.Member(m.email(), m.name(), m.role(), m.timeZone())).toList();
        return new CrmService.OpportunityData(r.account(), r.name(), r.stage(), r.status(), r.owner(), members);
    }

    private static void requireId(String externalId) {
        if (!externalId.matches(EXTERNAL_ID)) {
            throw ValjeanException.invalid("INVALID_EXTERNAL_ID", "An external id is 1 to 200 letters, digits, '.', '_', ':' or '-'.");
        }
    }
}
