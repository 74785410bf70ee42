package dev.valjean.nurture;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.Role;
import dev.valjean.common.MergePatch;
import dev.valjean.common.ValjeanException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

/** Sequences (editors and sales) and enrollments (sales only, one person at a time). */
@Path("/api/v1/sequences")
@Authorized({ Role.ADMIN, Role.SALES })
public class NurtureResource {

    public record CreateSequence(@NotBlank @Size(max = 200) String name, @NotNull SequencePurpose purpose,
            @NotNull @Size(min = 1, max = 20) List<NurtureService.Step> steps) {
    }

    /** The id of a new sequence. */
    public record Created(long id) {
    }

    /** A new enrollment: its id and ACTIVE. */
    public record Enrolled(long id, String status) {
    }

    /** The fields a sequence's merge patch may carry (the purpose is fixed once created). */
    public record SequencePatch(String name, @Schema(nullable = true) List<NurtureService.Step> steps) {
    }

    public record Enroll(@NotBlank @Size(max = 320) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "bea@acme.example") String email, @Size(max = 200) @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "acme-pilot") String opportunity) {
    }

    private final NurtureService nurture;
    private final Caller caller;
    private final ObjectMapper json;

    public NurtureResource(NurtureService nurture, Caller caller, dev.valjean.common.StrictJson strictJson) {
        this.nurture = nurture;
        this.caller = caller;
        this.json = strictJson.mapper();
    }

    /** Sequences, newest first: {@code limit} (1–500, 100), {@code before} (an id: the page after it), optionally one {@code purpose}. */
    @Operation(operationId = "listSequences", summary = "List nurture sequences",
            description = "Sequences, newest first, optionally of one purpose: limit (1-500, default 100) older than the id before.")
    @APIResponse(responseCode = "200", description = "The sequences, newest first", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = NurtureService.SequenceView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: limit out of range")
    @GET
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public List<NurtureService.SequenceView> list(@QueryParam("purpose") SequencePurpose purpose, @QueryParam("before") Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(500) int limit) {
        return nurture.sequences(purpose, before, limit);
    }

    /** One sequence with its steps and how many people are in it now. */
    @Operation(operationId = "getSequence", summary = "Read a sequence with its steps",
            description = "One sequence with its steps.")
    @GET
    @Path("/{id}")
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public NurtureService.SequenceView get(@PathParam("id") long id) {
        return nurture.sequence(id).orElseThrow(() -> ValjeanException.notFound("Sequence " + id));
    }

    /**
     * Changes a sequence: a JSON Merge Patch (RFC 7396) of {@code name} and {@code steps} (the steps
     * replace the old ones as a whole, as arrays do in a merge patch). Steps not yet sent follow the
     * new ones; people past a removed last step complete the sequence.
     */
    @Operation(operationId = "patchSequence", summary = "Change a sequence's name or steps (JSON Merge Patch)",
            description = "A JSON Merge Patch (RFC 7396) of name and steps (steps replace the old ones whole). Steps not yet sent follow the new ones; people past a removed last step complete the sequence. The purpose is fixed.")
    @APIResponse(responseCode = "200", description = "The sequence", content = @Content(mediaType = "application/json", schema = @Schema(implementation = NurtureService.SequenceView.class)))
    @APIResponse(responseCode = "422", description = "PURPOSE_FIXED, UNKNOWN_FIELD, INVALID_STEP, STEP_COUNT, INVALID_SEQUENCE, VALIDATION_FAILED (a field breaks a rule; errors[] names it)")
    @PATCH
    @Path("/{id}")
    @Consumes({ MergePatch.MEDIA_TYPE, MediaType.APPLICATION_JSON })
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    @RequestBody(required = true, content = @Content(mediaType = MergePatch.MEDIA_TYPE, schema = @Schema(implementation = SequencePatch.class)))
    public NurtureService.SequenceView patch(@PathParam("id") long id, JsonNode patch) {
        NurtureService.SequenceView current = get(id);
        if (patch == null || !patch.isObject()) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "A merge patch is a JSON object of the fields to change.");
        }
        patch.fieldNames().forEachRemaining(f -> {
            if (!f.equals("name") && !f.equals("steps")) {
                throw ValjeanException.field(f.equals("purpose") ? "PURPOSE_FIXED" : "UNKNOWN_FIELD", f,
                        f.equals("purpose") ? "a sequence keeps its purpose; make another one" : "unknown field");
            }
        });
        ObjectNode doc = json.createObjectNode();
        doc.put("name", current.name());
        doc.set("steps", json.valueToTree(current.steps()));
        JsonNode merged = MergePatch.apply(doc, patch);
        List<NurtureService.Step> steps;
        try {
            steps = json.convertValue(merged.path("steps"), new com.fasterxml.jackson.core.type.TypeReference<List<NurtureService.Step>>() {
            });
        } catch (IllegalArgumentException e) {
            throw ValjeanException.field("INVALID_STEP", "steps", "each step is {delayHours | delayBusinessDays, subject, body, template?}");
        }
        if (steps == null || steps.isEmpty() || steps.size() > 20) {
            throw ValjeanException.field("INVALID_STEP", "steps", "1 to 20 steps");
        }
        nurture.changeSequence(id, merged.path("name").asText(null), steps);
        return get(id);
    }

    @Operation(operationId = "createSequence", summary = "Create a nurture sequence",
            description = "Creates a sequence for people already in a conversation: SALES_ACCELERATION (contacts on an open deal, started by sales) or CUSTOMER_SUCCESS (people at a customer account). One to twenty steps, each a delay and an email.")
    @APIResponse(responseCode = "201", description = "The id of the new sequence", content = @Content(mediaType = "application/json", schema = @Schema(implementation = NurtureResource.Created.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_STEP, STEP_COUNT, INVALID_SEQUENCE")
    @POST
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public Response create(@Valid @NotNull CreateSequence r) {
        long id = nurture.createSequence(r.name(), r.purpose(), r.steps());
        return Response.created(URI.create("/api/v1/sequences/" + id)).entity(new Created(id)).build();
    }

    @Operation(operationId = "enroll", summary = "Enroll one person in a sequence",
            description = "Enrolls one person, one at a time: an acceleration sequence only for a member of the open opportunity given, a customer-success one only for a person at a customer account, never someone who opted out of follow-ups or is suppressed.")
    @APIResponse(responseCode = "201", description = "The enrollment", content = @Content(mediaType = "application/json", schema = @Schema(implementation = NurtureResource.Enrolled.class)))
    @APIResponse(responseCode = "409", description = "ALREADY_ENROLLED")
    @APIResponse(responseCode = "422", description = "INVALID_SEQUENCE (the person is not eligible, with the reason), VALIDATION_FAILED (a field breaks a rule; errors[] names it)")
    @POST
    @Path("/{id}/enrollments")
    public Response enroll(@PathParam("id") long id, @Valid @NotNull Enroll r) {
        long enrollment = nurture.enroll(id, r.email(), r.opportunity(), caller.tokenId());
        return Response.status(201).entity(new Enrolled(enrollment, "ACTIVE")).build();
    }
}
