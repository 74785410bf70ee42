package dev.valjean.nurture;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/** Who is in which sequence, per opportunity or per person, with each ended enrollment's reason. */
@Path("/api/v1/enrollments")
@Authorized({ Role.ADMIN, Role.SALES })
public class EnrollmentResource {

    private final NurtureService nurture;

    public EnrollmentResource(NurtureService nurture) {
        this.nurture = nurture;
    }

    @Operation(operationId = "listEnrollments", summary = "List enrollments of a deal or a person",
            description = "Enrollments of a deal (opportunity) or of a person (email), with their state and why they ended.")
    @GET
    public List<NurtureService.EnrollmentView> list(@QueryParam("opportunity") String opportunity, @QueryParam("email") String email,
            @QueryParam("before") String before, @QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(nurture.enrollments(opportunity, email), e -> String.valueOf(e.id()), before, limit);
    }

    /** Sales stops one enrollment; steps already queued are skipped by the consent gate. */
    @Operation(operationId = "stopEnrollment", summary = "Stop one enrollment",
            description = "Stops one enrollment; its steps already queued are skipped by the consent gate.")
    @POST
    @Path("/{id}/stop")
    public Stopped stop(@PathParam("id") long id) {
        nurture.stop(id);
        return new Stopped(id, "ENDED", "STOPPED");
    }

    /** An enrollment stopped by hand. */
    public record Stopped(long id, String status, String endedReason) {
    }
}
