package dev.valjean.form;

import java.util.List;

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
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Forms for editors: create one of the six kinds, list them. */
@Path("/api/v1/forms")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class FormResource {

    /** {@code actions} exists so that a request for one is refused loudly instead of ignored. */
    public record CreateForm(@NotNull FormKind kind, @NotBlank @Size(max = 200) String name, @Size(max = 63) String newsletter,
            @Size(max = 10) List<String> actions, @Size(max = 2000) String contentUrl) {
    }

    private final FormService forms;

    public FormResource(FormService forms) {
        this.forms = forms;
    }

    @Operation(operationId = "createForm", summary = "Create a form of one of the six kinds",
            description = "Creates a form of one of six kinds (newsletter sign-up, content download, event registration, demo request, contact sales, trial). Only a newsletter form can subscribe anyone, and only through double opt-in; a download or registration is recorded and nothing more.")
    @APIResponse(responseCode = "201", description = "The form", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.form.FormService.FormView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), FORM_KIND, FORM_NAME, NEWSLETTER_REQUIRED, UNKNOWN_NEWSLETTER, FORM_NEWSLETTER_NOT_ALLOWED, FORM_ACTION_NOT_ALLOWED, FORM_CONTENT_URL")
    @POST
    public Response create(@Valid @NotNull CreateForm r) {
        return Response.status(201).entity(forms.create(r.kind(), r.name(), r.newsletter(), r.actions(), r.contentUrl())).build();
    }

    /** Forms, oldest first: {@code limit} (1–500, 100) after the form {@code before}. */
    @Operation(operationId = "listForms", summary = "List the forms",
            description = "Forms by id: limit (1-500, default 100) after the id before.")
    @GET
    public List<FormService.FormView> list(@QueryParam("before") String before, @QueryParam("limit") Integer limit) {
        return dev.valjean.common.Pages.after(forms.list(), FormService.FormView::id, before, limit);
    }

    /**
     * A form's submissions, newest first: {@code limit} (1–500, 100) and {@code before} (an id: the
     * page after it). A gated download's or an event's submissions are records only: none subscribed anyone.
     */
    @Operation(operationId = "listFormSubmissions", summary = "List a form's submissions",
            description = "A form's submissions, newest first (no IP address or user agent): limit (1-500, default 100) older than the id before.")
    @GET
    @Path("/{id}/submissions")
    public List<FormService.SubmissionView> submissions(@PathParam("id") String id, @QueryParam("before") Long before,
            @QueryParam("limit") @DefaultValue("100") @Min(1) @Max(500) int limit) {
        return forms.submissions(id, before, limit).orElseThrow(() -> ValjeanException.notFound("Form '" + id + "'"));
    }
}
