package dev.valjean.form;

import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

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

    @POST
    public Response create(@Valid @NotNull CreateForm r) {
        return Response.status(201).entity(forms.create(r.kind(), r.name(), r.newsletter(), r.actions(), r.contentUrl())).build();
    }

    @GET
    public List<FormService.FormView> list() {
        return forms.list();
    }
}
