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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

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
    private final dev.valjean.abuse.AbuseGuard guard;
    private final dev.valjean.abuse.CaptchaVerifier captcha;
    private final dev.valjean.mail.Links links;
    private final io.quarkus.qute.Template page;
    private final String script = dev.valjean.subscription.HostedPages.hostedScript();

    public FormSubmissionResource(FormService forms, Caller caller, dev.valjean.abuse.AbuseGuard guard,
            dev.valjean.abuse.CaptchaVerifier captcha, dev.valjean.mail.Links links,
            @io.quarkus.qute.Location("pages/form.html") io.quarkus.qute.Template page) {
        this.forms = forms;
        this.caller = caller;
        this.guard = guard;
        this.captcha = captcha;
        this.links = links;
        this.page = page;
    }

    /** The form's own hosted page (a sign-up form's is its newsletter's sign-up page). */
    @Operation(operationId = "showFormPage", summary = "Show a form's hosted page",
            description = "The form's hosted page.")
    @APIResponse(responseCode = "200", description = "The page", content = @Content(mediaType = "text/html"))
    @jakarta.ws.rs.GET
    @jakarta.ws.rs.Produces(MediaType.TEXT_HTML)
    public Response page(@PathParam("id") String id) {
        java.util.Optional<FormService.FormView> form = forms.find(id);
        if (form.isEmpty()) {
            return dev.valjean.common.PersonalPage.of(404, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>"
                    + "</head><body><main><h1>Not found</h1><p>There is no such form.</p></main></body></html>");
        }
        if (form.get().kind() == FormKind.NEWSLETTER_SIGNUP) {
            return Response.seeOther(java.net.URI.create(links.subscribe(form.get().newsletter()))).build();
        }
        return dev.valjean.common.PersonalPage.of(200, render(form.get(), Map.of(), null, false, false));
    }

    /** A submission from the hosted page (a plain HTML form; the one-time form token stands in for the challenge without JavaScript). */
    @Operation(operationId = "submitForm", summary = "Submit a form from its hosted page",
            description = "Submits a form, from its hosted page (form-encoded, answers a page) or as JSON (answers 202). Public, with the same checks as a sign-up.")
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @jakarta.ws.rs.Produces(MediaType.TEXT_HTML)
    @org.eclipse.microprofile.openapi.annotations.parameters.RequestBody(content = @Content(mediaType = "application/x-www-form-urlencoded",
            schema = @Schema(type = SchemaType.OBJECT, description = "The form's fields (email, name, company and those its kind asks for), consent when the form has a checkbox, altcha or the captcha's response, and the empty honeypot website")))
    public Response submitPage(@PathParam("id") String id, jakarta.ws.rs.core.MultivaluedMap<String, String> form, @Context HttpHeaders headers,
            @Context HttpServerRequest http) {
        dev.valjean.common.RequestHygiene.checkForm(form);
        java.util.Optional<FormService.FormView> found = forms.find(id);
        if (found.isEmpty() || found.get().kind() == FormKind.NEWSLETTER_SIGNUP) {
            return page(id);
        }
        Map<String, String> fields = new HashMap<>();
        for (String key : java.util.List.of("email", "name", "company", "employees", "country", "message", "subscribeNewsletter", "website",
                "formToken", "altcha", "cf-turnstile-response", "h-captcha-response")) {
            String v = form.getFirst(key);
            if (v != null && !v.isBlank()) {
                fields.put(key.equals("cf-turnstile-response") || key.equals("h-captcha-response") ? "captcha" : key, v.strip());
            }
        }
        fields.put("page", links.base() + "/forms/" + id);
        try {
            forms.submit(id, fields, ClientAddress.of(http), headers.getHeaderString(HttpHeaders.USER_AGENT), false, true);
        } catch (ValjeanException e) {
            String message = "CHALLENGE_FAILED".equals(e.code)
                    ? "We could not tell you from a robot this time. Please wait a few seconds and send the form again."
                    : "VALIDATION_FAILED".equals(e.code) || "INVALID_EMAIL".equals(e.code) ? "Please check the email address." : e.getMessage();
            Response.ResponseBuilder answer = Response.status(e.status).entity(render(found.get(), fields, message, false, false))
                    .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).cacheControl(dev.valjean.common.PersonalPage.noStore());
            if (e.retryAfterSeconds() != null) {
                answer.header("Retry-After", e.retryAfterSeconds());
            }
            return answer.build();
        }
        boolean subscribed = "true".equals(fields.get("subscribeNewsletter")) && found.get().newsletter() != null;
        return dev.valjean.common.PersonalPage.of(200, render(found.get(), Map.of(), null, true, subscribed));
    }

    private String render(FormService.FormView form, Map<String, String> values, String error, boolean done, boolean subscribed) {
        String consentText = null;
        String newsletterName = null;
        if (form.newsletter() != null) {
            dev.valjean.newsletter.Newsletter n = dev.valjean.newsletter.Newsletter.findBySlug(form.newsletter()).orElse(null);
            if (n != null) {
                newsletterName = n.name;
                consentText = dev.valjean.newsletter.ConsentText.current(n.id).map(t -> t.text).orElse(null);
            }
        }
        return page.data("form", form).data("values", values).data("error", error).data("done", done).data("subscribed", subscribed)
                .data("sales", form.kind().asksForSales()).data("consentText", consentText).data("newsletterName", newsletterName)
                .data("formToken", guard.newFormToken()).data("captcha", captcha).data("script", script).render();
    }

    @Operation(operationId = "submitForm", summary = "Submit a form",
            description = "Submits a form, from its hosted page (form-encoded, answers a page) or as JSON (answers 202). Public, with the same checks as a sign-up.")
    @APIResponse(responseCode = "202", description = "Received (the same answer for every accepted submission)", content = @Content(mediaType = "application/json", schema = @Schema(implementation = FormSubmissionResource.Received.class)))
    @APIResponse(responseCode = "422", description = "BODY_REQUIRED, VALIDATION_FAILED, FORM_TOO_LARGE, INVALID_EMAIL, CONSENT_REQUIRED, CHALLENGE_FAILED, CAPTCHA_FAILED")
    @APIResponse(responseCode = "429", description = "TOO_MANY_REQUESTS")
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
