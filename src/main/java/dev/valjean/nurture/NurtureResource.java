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
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.Role;
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

    public NurtureResource(NurtureService nurture, Caller caller) {
        this.nurture = nurture;
        this.caller = caller;
    }

    /** Sequences, newest first: {@code limit} (1–500, 100), {@code before} (an id: the page after it), optionally one {@code purpose}. */
    @GET
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public List<NurtureService.SequenceView> list(@QueryParam("purpose") SequencePurpose purpose, @QueryParam("before") Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(500) int limit) {
        return nurture.sequences(purpose, before, limit);
    }

    /** One sequence with its steps and how many people are in it now. */
    @GET
    @Path("/{id}")
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public NurtureService.SequenceView get(@PathParam("id") long id) {
        return nurture.sequence(id).orElseThrow(() -> ValjeanException.notFound("Sequence " + id));
    }

    @POST
    @Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
    public Response create(@Valid @NotNull CreateSequence r) {
        long id = nurture.createSequence(r.name(), r.purpose(), r.steps());
        return Response.created(URI.create("/api/v1/sequences/" + id)).entity(Map.of("id", id)).build();
    }

    @POST
    @Path("/{id}/enrollments")
    public Response enroll(@PathParam("id") long id, @Valid @NotNull Enroll r) {
        long enrollment = nurture.enroll(id, r.email(), r.opportunity(), caller.tokenId());
        return Response.status(201).entity(Map.of("id", enrollment, "status", "ACTIVE")).build();
    }
}
