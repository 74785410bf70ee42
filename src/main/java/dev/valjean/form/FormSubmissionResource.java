package dev.valjean.form;

import java.util.HashMap;
import dev.valjean.auth.PublicEndpoint;
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
import dev.valjean.common.StrictJson;
import dev.valjean.common.ValjeanException;
import io.vertx.core.http.HttpServerRequest;

/** Public form submissions (JSON): the same answer for every accepted submission. */
@PublicEndpoint
@Path("/forms/{id}")
public class FormSubmissionResource {

    private static ValjeanException fieldError(String field, String message) {
        return ValjeanException.field("VALIDATION_FAILED", field, message);
    }

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
        if (body.size() > 50) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "A form has at most 50 fields.");
        }
        Map<String, String> fields = new HashMap<>();
        for (Map.Entry<String, Object> e : body.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (!key.matches("[A-Za-z][A-Za-z0-9_.-]{0,63}")) {
                throw fieldError(key.length() > 64 ? key.substring(0, 64) : key.replaceAll("\\p{Cntrl}", "?"),
                        "a field name is letters, digits, '_', '.' and '-'");
            }
            if (v != null && !(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                throw fieldError(key, "must be text, a number or true/false");
            }
            String value = v == null ? null : String.valueOf(v);
            if (value != null && (value.length() > 5000 || StrictJson.forbidden(value, true) >= 0)) {
                throw fieldError(key, value.length() > 5000 ? "at most 5000 characters" : "must not contain control characters");
            }
            fields.put(key, value);
        }
        String ip = ClientAddress.of(http);
        forms.submit(id, fields, ip, headers.getHeaderString(HttpHeaders.USER_AGENT), caller.isAuthenticated());
        return Response.accepted(new Received("RECEIVED")).type(MediaType.APPLICATION_JSON).build();
    }
}
