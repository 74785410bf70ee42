package dev.valjean.form;

import java.util.HashMap;
import java.util.Map;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Caller;
import dev.valjean.common.ClientAddress;
import dev.valjean.common.ValjeanException;
import io.vertx.core.http.HttpServerRequest;

/** Public form submissions (JSON): the same answer for every accepted submission. */
@Path("/forms/{id}")
public class FormSubmissionResource {

    /** The one answer every accepted submission gets. */
    public record Received(String status) {
    }

    private final FormService forms;
    private final Caller caller;

    public FormSubmissionResource(FormService forms, Caller caller) {
        this.forms = forms;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response submit(@PathParam("id") String id, Map<String, Object> body, @Context HttpHeaders headers,
            @Context HttpServerRequest http) {
        if (body == null) {
            throw ValjeanException.invalid("BODY_REQUIRED", "Send the form's fields as a JSON object.");
        }
        Map<String, String> fields = new HashMap<>();
        body.forEach((k, v) -> fields.put(k, v == null ? null : String.valueOf(v)));
        String ip = ClientAddress.of(http);
        forms.submit(id, fields, ip, headers.getHeaderString(HttpHeaders.USER_AGENT), caller.isAuthenticated());
        return Response.accepted(new Received("RECEIVED")).type(MediaType.APPLICATION_JSON).build();
    }
}
