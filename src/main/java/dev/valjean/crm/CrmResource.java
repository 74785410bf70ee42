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
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.MergePatch;
import dev.valjean.common.ValjeanException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

/**
 * CRM data for sales and the CRM integration: PUT is an idempotent upsert by the CRM's own id
 * (201 when it created the record, 200 when it updated it).
 */
@Path("/api/v1")
@Authorized({ Role.ADMIN, Role.SALES })
public class CrmResource {

    public static final String EXTERNAL_ID = "[A-Za-z0-9._:-]{1,200}";

    public record AccountRequest(@NotBlank @Size(max = 200) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Acme GmbH") String name, @NotNull Boolean customer, LocalDate customerSince,
            @Size(max = 100) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Software") String industry, @Min(0) @Max(10_000_000) Integer employeeCount,
            @Pattern(regexp = "[A-Z]{2}", message = "an ISO 3166 alpha-2 code such as DE") @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "DE") String country) {
    }

    public record MemberRequest(@NotBlank @Size(max = 320) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "bea@acme.example") String email, @Size(max = 200) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Bea Buyer") String name,
            @Size(max = 100) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Champion") String role, @Size(max = 64) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Europe/Berlin") String timeZone) {
    }

    public record OpportunityRequest(@NotBlank @Size(max = 200) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "acme") String account, @NotBlank @Size(max = 200) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Acme pilot") String name,
            @Size(max = 100) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Proposal") String stage, @NotNull CrmService.OpportunityStatus status, @Size(max = 320) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "sam@example.com") String owner,
            @Size(max = 100) List<@Valid @NotNull MemberRequest> contacts) {
    }

    /** The fields an account's merge patch may carry; {@code null} clears an optional one. */
    public record AccountPatch(String name, Boolean customer, LocalDate customerSince, String industry, Integer employeeCount,
            String country) {
    }

    /**
     * The fields an opportunity's merge patch may carry: {@code contacts} replaces the committee,
     * {@code addContacts} adds or updates members by address, {@code removeContacts} takes addresses
     * off. The lists are nullable in the document so that generated clients leave them out unless
     * set (OpenAPI Generator starts other lists empty, and an empty committee is a change).
     */
    public record OpportunityPatch(String account, String name, String stage, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "WON") CrmService.OpportunityStatus status, String owner,
            @Schema(nullable = true, description = "the whole committee (an empty list takes everyone off)") List<MemberRequest> contacts,
            @Schema(nullable = true, description = "members to add or update, by address") List<MemberRequest> addContacts,
            @Schema(nullable = true, description = "addresses to take off the deal") List<String> removeContacts) {
    }

    private final CrmService crm;
    private final com.fasterxml.jackson.databind.ObjectMapper json;
    private final jakarta.validation.Validator validator;

    public CrmResource(CrmService crm, dev.valjean.common.StrictJson strictJson, jakarta.validation.Validator validator) {
        this.crm = crm;
        this.json = strictJson.mapper();
        this.validator = validator;
    }

    @Operation(operationId = "putAccount", summary = "Create or replace an account from the CRM",
            description = "Creates or replaces an account by the CRM's id, as the CRM holds it. Marking it no longer a customer ends its customer-success sequences before their next email.")
    @APIResponse(responseCode = "200", description = "The account was replaced", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.crm.CrmService.AccountView.class)))
    @APIResponse(responseCode = "201", description = "The account was created", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.crm.CrmService.AccountView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EXTERNAL_ID, UNKNOWN_FIELD, CUSTOMER_SINCE_WITHOUT_CUSTOMER")
    @PUT
    @Path("/accounts/{externalId}")
    public Response putAccount(@PathParam("externalId") String externalId, @Valid @NotNull AccountRequest r) {
        requireId(externalId);
        CrmService.Upserted u = crm.putAccount(externalId, new CrmService.AccountData(r.name(), r.customer(), r.customerSince(),
                r.industry(), r.employeeCount(), r.country()));
        return Response.status(u.created() ? 201 : 200).entity(crm.account(externalId).orElseThrow()).build();
    }

    @Operation(operationId = "getAccount", summary = "Read an account by the CRM's id",
            description = "One account by the CRM's id, with whether it is a customer.")
    @GET
    @Path("/accounts/{externalId}")
    public CrmService.AccountView account(@PathParam("externalId") String externalId) {
        return crm.account(externalId).orElseThrow(() -> ValjeanException.notFound("Account '" + externalId + "'"));
    }

    @Operation(operationId = "putOpportunity", summary = "Create or replace an opportunity with its buying committee",
            description = "Creates or replaces an opportunity with its whole buying committee. People left out of contacts leave the deal; closing it (WON or LOST) ends every sequence on it before its next email.")
    @APIResponse(responseCode = "200", description = "The opportunity was replaced", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.crm.CrmService.OpportunityView.class)))
    @APIResponse(responseCode = "201", description = "The opportunity was created", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.crm.CrmService.OpportunityView.class)))
    @APIResponse(responseCode = "409", description = "STALE_EVENT: a newer change of this opportunity was already applied")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EXTERNAL_ID, UNKNOWN_FIELD, UNKNOWN_ACCOUNT, INVALID_EMAIL, INVALID_TIME_ZONE")
    @PUT
    @Path("/opportunities/{externalId}")
    public Response putOpportunity(@PathParam("externalId") String externalId, @Valid @NotNull OpportunityRequest r) {
        requireId(externalId);
        CrmService.Upserted u = crm.putOpportunity(externalId, opportunityData(r));
        return Response.status(u.created() ? 201 : 200).entity(crm.opportunity(externalId).orElseThrow()).build();
    }

    @Operation(operationId = "getOpportunity", summary = "Read an opportunity by the CRM's id",
            description = "One opportunity by the CRM's id with its committee (role, time zone).")
    @GET
    @Path("/opportunities/{externalId}")
    public CrmService.OpportunityView opportunity(@PathParam("externalId") String externalId) {
        return crm.opportunity(externalId).orElseThrow(() -> ValjeanException.notFound("Opportunity '" + externalId + "'"));
    }

    /**
     * Changes an account: a JSON Merge Patch (RFC 7396) of the PUT body, so only the given fields
     * change and {@code null} clears one. The same rules as the PUT.
     */
    @Operation(operationId = "patchAccount", summary = "Change some fields of an account (JSON Merge Patch)",
            description = "A JSON Merge Patch (RFC 7396) of the account: only the given fields change, null clears an optional one. The same rules and events as the PUT.")
    @APIResponse(responseCode = "200", description = "The account", content = @Content(mediaType = "application/json", schema = @Schema(implementation = CrmService.AccountView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EXTERNAL_ID, UNKNOWN_FIELD, CUSTOMER_SINCE_WITHOUT_CUSTOMER")
    @PATCH
    @Path("/accounts/{externalId}")
    @Consumes({ MergePatch.MEDIA_TYPE, MediaType.APPLICATION_JSON })
    @RequestBody(required = true, content = @Content(mediaType = MergePatch.MEDIA_TYPE, schema = @Schema(implementation = AccountPatch.class)))
    public CrmService.AccountView patchAccount(@PathParam("externalId") String externalId, JsonNode patch) {
        requireId(externalId);
        CrmService.AccountView current = account(externalId);
        ObjectNode doc = json.createObjectNode();
        doc.put("name", current.name());
        doc.put("customer", current.customer());
        putText(doc, "customerSince", current.customerSince());
        putText(doc, "industry", current.industry());
        if (current.employeeCount() != null) {
            doc.put("employeeCount", current.employeeCount());
        }
        putText(doc, "country", current.country());
        AccountRequest r = valid(read(MergePatch.apply(doc, object(patch)), AccountRequest.class));
        crm.putAccount(externalId, new CrmService.AccountData(r.name(), r.customer(), r.customerSince(), r.industry(), r.employeeCount(),
                r.country()));
        return account(externalId);
    }

    /**
     * Changes an opportunity: a JSON Merge Patch (RFC 7396) of the PUT body. The buying committee
     * changes only when asked: {@code contacts} replaces it whole, {@code addContacts} adds or
     * updates members (by address), {@code removeContacts} takes addresses off. The same rules and
     * events as the PUT: closing the deal, or taking someone off it, ends their sequences.
     */
    @Operation(operationId = "patchOpportunity", summary = "Change some fields of an opportunity (JSON Merge Patch)",
            description = "A JSON Merge Patch (RFC 7396) of the opportunity: only the given fields change, so {\"status\":\"WON\"} closes the deal and ends its sequences while the committee stays. The committee changes only on purpose: contacts replaces it, addContacts adds or updates members by address, removeContacts takes addresses off (their sequences end).")
    @APIResponse(responseCode = "200", description = "The opportunity", content = @Content(mediaType = "application/json", schema = @Schema(implementation = CrmService.OpportunityView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EXTERNAL_ID, UNKNOWN_FIELD, UNKNOWN_ACCOUNT, INVALID_EMAIL, INVALID_TIME_ZONE")
    @PATCH
    @Path("/opportunities/{externalId}")
    @Consumes({ MergePatch.MEDIA_TYPE, MediaType.APPLICATION_JSON })
    @RequestBody(required = true, content = @Content(mediaType = MergePatch.MEDIA_TYPE, schema = @Schema(implementation = OpportunityPatch.class)))
    public CrmService.OpportunityView patchOpportunity(@PathParam("externalId") String externalId, JsonNode patch) {
        requireId(externalId);
        CrmService.OpportunityView current = opportunity(externalId);
        ObjectNode changes = object(patch).deepCopy();
        JsonNode add = changes.remove("addContacts");
        JsonNode remove = changes.remove("removeContacts");
        ObjectNode doc = json.createObjectNode();
        doc.put("account", current.account());
        doc.put("name", current.name());
        putText(doc, "stage", current.stage());
        doc.put("status", current.status());
        putText(doc, "owner", current.owner());
        ArrayNode members = doc.putArray("contacts");
        for (CrmService.MemberView m : current.contacts()) {
            ObjectNode member = members.addObject().put("email", m.email());
            putText(member, "name", m.name());
            putText(member, "role", m.role());
            putText(member, "timeZone", m.timeZone());
        }
        ObjectNode merged = (ObjectNode) MergePatch.apply(doc, changes);
        if (add != null || remove != null) {
            merged.set("contacts", committee(merged.path("contacts"), add, remove));
        }
        OpportunityRequest r = valid(read(merged, OpportunityRequest.class));
        crm.putOpportunity(externalId, opportunityData(r));
        return opportunity(externalId);
    }

    /** The committee with members added or updated (by address) and others taken off. */
    private ArrayNode committee(JsonNode contacts, JsonNode add, JsonNode remove) {
        java.util.Map<String, JsonNode> byAddress = new java.util.LinkedHashMap<>();
        for (JsonNode m : contacts) {
            byAddress.put(m.path("email").asText("").toLowerCase(java.util.Locale.ROOT), m);
        }
        if (remove != null) {
            if (!remove.isArray()) {
                throw ValjeanException.field("VALIDATION_FAILED", "removeContacts", "a list of addresses");
            }
            for (JsonNode a : remove) {
                if (!a.isTextual()) {
                    throw ValjeanException.field("VALIDATION_FAILED", "removeContacts", "a list of addresses");
                }
                byAddress.remove(a.asText().strip().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (add != null) {
            if (!add.isArray()) {
                throw ValjeanException.field("VALIDATION_FAILED", "addContacts", "a list of members {email, name, role, timeZone}");
            }
            for (JsonNode m : add) {
                if (!m.isObject() || !m.path("email").isTextual()) {
                    throw ValjeanException.field("VALIDATION_FAILED", "addContacts", "each member has an email");
                }
                byAddress.put(m.path("email").asText().strip().toLowerCase(java.util.Locale.ROOT), m);
            }
        }
        ArrayNode out = json.createArrayNode();
        byAddress.values().forEach(out::add);
        return out;
    }

    private static ObjectNode object(JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "A merge patch is a JSON object of the fields to change.");
        }
        return (ObjectNode) patch;
    }

    private static void putText(ObjectNode doc, String field, String value) {
        if (value != null) {
            doc.put(field, value);
        }
    }

    private <T> T read(JsonNode doc, Class<T> type) {
        try {
            return json.treeToValue(doc, type);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw ValjeanException.field("UNKNOWN_FIELD", e.getPropertyName(), "unknown field");
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "A field has the wrong type or value (a date is YYYY-MM-DD, status OPEN, WON or LOST).");
        }
    }

    private <T> T valid(T request) {
        java.util.Set<jakarta.validation.ConstraintViolation<T>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            jakarta.validation.ConstraintViolation<T> v = violations.iterator().next();
            throw ValjeanException.field("VALIDATION_FAILED", v.getPropertyPath().toString(), v.getMessage());
        }
        return request;
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
