package dev.valjean.nurture;

import java.net.URI;
import java.util.List;
import java.util.Map;

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

/** Sequences (editors and sales) and enrollments (sales only, one person at a time). */
@Path("/api/v1/sequences")
@Authorized({ Role.ADMIN, Role.SALES })
public class NurtureResource {

    public record CreateSequence(@NotBlank @Size(max = 200) String name, @NotNull SequencePurpose purpose,
            @NotNull @Size(min = 1, max = 20) List<NurtureService.Step> steps) {
    }

    public record Enroll(@NotBlank @Size(max = 320) String email, @Size(max = 200) String opportunity) {
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
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "List nurture sequences")
    @GET
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public List<NurtureService.SequenceView> list(@QueryParam("purpose") SequencePurpose purpose, @QueryParam("before") Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(500) int limit) {
        return nurture.sequences(purpose, before, limit);
    }

    /** One sequence with its steps and how many people are in it now. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Read a sequence with its steps")
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
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Change a sequence's name or steps (JSON Merge Patch)")
    @PATCH
    @Path("/{id}")
    @Consumes({ MergePatch.MEDIA_TYPE, MediaType.APPLICATION_JSON })
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
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

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Create a nurture sequence")
    @POST
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public Response create(@Valid @NotNull CreateSequence r) {
        long id = nurture.createSequence(r.name(), r.purpose(), r.steps());
        return Response.created(URI.create("/api/v1/sequences/" + id)).entity(Map.of("id", id)).build();
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Enroll one person in a sequence")
    @POST
    @Path("/{id}/enrollments")
    public Response enroll(@PathParam("id") long id, @Valid @NotNull Enroll r) {
        long enrollment = nurture.enroll(id, r.email(), r.opportunity(), caller.tokenId());
        return Response.status(201).entity(Map.of("id", enrollment, "status", "ACTIVE")).build();
    }
}
