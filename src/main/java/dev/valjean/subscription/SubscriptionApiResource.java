package dev.valjean.subscription;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.valjean.abuse.AbuseGuard;
import dev.valjean.auth.Caller;
import dev.valjean.common.ClientAddress;
import dev.valjean.auth.PublicEndpoint;
import io.vertx.core.http.HttpServerRequest;

/**
 * Sign-up for sites that build their own form (and for the embedded form). Public; a caller
 * with an API token skips the anti-abuse checks but never the confirmation email.
 */
@Path("/api/v1/subscriptions")
@PublicEndpoint
public class SubscriptionApiResource {

    /** The JSON a form sends. {@code website} is the honeypot: people leave it empty. */
    public record SubscribeRequest(String email, String name, List<String> newsletters, Boolean consent,
            Integer consentVersion, String page, String altcha, String captcha, String website) {
    }

    /** The one answer every valid request gets. */
    public record Accepted(String status, String detail) {
    }

    static final Accepted ACCEPTED = new Accepted("PENDING_CONFIRMATION",
            "If the address can receive email, a confirmation link is on its way. Nothing is subscribed until it is confirmed.");

    private final SignupFlow flow;
    private final Caller caller;
    private final EmbedOrigins cors;

    public SubscriptionApiResource(SignupFlow flow, Caller caller, EmbedOrigins cors) {
        this.flow = flow;
        this.caller = caller;
        this.cors = cors;
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Ask for newsletters (double opt-in)")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response subscribe(SubscribeRequest r, @Context HttpHeaders headers, @Context HttpServerRequest http) {
        if (r == null) {
            throw dev.valjean.common.ValjeanException.invalid("BODY_REQUIRED", "Send the sign-up as a JSON object.");
        }
        String origin = headers.getHeaderString("Origin");
        Source source = origin != null && cors.allowed(origin) ? Source.EMBED : Source.API;
        String page = r.page() != null ? r.page() : headers.getHeaderString("Referer");
        String ip = ClientAddress.of(http);
        var signup = new SubscriptionService.Signup(r.email(), r.name(), r.newsletters(), r.consent(), r.consentVersion(),
                source, page, ip, headers.getHeaderString(HttpHeaders.USER_AGENT));
        flow.submit(new SignupFlow.Attempt(signup, r.website(), new AbuseGuard.Proof(ip, r.altcha(), null, r.captcha()),
                caller.isAuthenticated(), false));
        return Response.accepted(ACCEPTED).type(MediaType.APPLICATION_JSON).build();
    }
}
