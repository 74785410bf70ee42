package dev.valjean.subscription;

import java.util.List;
import java.util.concurrent.CompletionStage;

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
import dev.valjean.common.EventLoopAnswer;
import dev.valjean.auth.PublicEndpoint;
import dev.valjean.auth.TokenCheckedWithTheWork;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.http.HttpServerRequest;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Sign-up for sites that build their own form (and for the embedded form). Public; a caller
 * with an API token skips the anti-abuse checks but never the confirmation email.
 */
@Path("/api/v1/subscriptions")
@PublicEndpoint
public class SubscriptionApiResource {

    /** The JSON a form sends. {@code website} is the honeypot: people leave it empty. */
    public record SubscribeRequest(@org.eclipse.microprofile.openapi.annotations.media.Schema(example = "ada@example.com") String email, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "Ada") String name, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "[\"weekly\"]") List<String> newsletters, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "true") Boolean consent,
            @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "1") Integer consentVersion, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "https://example.com/blog") String page, String altcha, String captcha, String website) {
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

    @Operation(operationId = "subscribe", summary = "Ask for newsletters (double opt-in)",
            description = "Asks for one or more newsletters for one address. Nothing is subscribed yet: a confirmation email is queued in the same transaction, and only the link in it subscribes (double opt-in). Every accepted request gets the same answer, whether the address is new, already subscribed or suppressed, so the endpoint tells nobody who is on a list. Without a token the request needs consent=true, the consent text version the form showed, and a solved proof of work (altcha) or captcha, and counts against its IP's allowance; with a token (role ADMIN or EDITOR) those checks are skipped but never the confirmation.")
    @APIResponse(responseCode = "202", description = "The request is recorded; a confirmation email is on its way if the address can receive email", content = @Content(mediaType = "application/json", schema = @Schema(implementation = SubscriptionApiResource.Accepted.class)))
    @APIResponse(responseCode = "422", description = "BODY_REQUIRED, INVALID_EMAIL, INVALID_NAME, CONSENT_REQUIRED (consent must be true), NEWSLETTER_REQUIRED, UNKNOWN_NEWSLETTER, TOO_MANY_NEWSLETTERS, UNKNOWN_CONSENT_VERSION, CHALLENGE_FAILED, CAPTCHA_FAILED")
    @APIResponse(responseCode = "429", description = "TOO_MANY_REQUESTS: the IP's allowance is used up; Retry-After says when to come back")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @TokenCheckedWithTheWork
    public CompletionStage<Response> subscribe(SubscribeRequest r, @Context HttpHeaders headers, @Context HttpServerRequest http) {
        if (r == null) {
            throw dev.valjean.common.ValjeanException.invalid("BODY_REQUIRED", "Send the sign-up as a JSON object.");
        }
        String origin = headers.getHeaderString("Origin");
        Source source = origin != null && cors.allowed(origin) ? Source.EMBED : Source.API;
        String page = r.page() != null ? r.page() : headers.getHeaderString("Referer");
        String ip = ClientAddress.of(http);
        var signup = new SubscriptionService.Signup(r.email(), r.name(), r.newsletters(), r.consent(), r.consentVersion(),
                source, page, ip, headers.getHeaderString(HttpHeaders.USER_AGENT));
        var attempt = new SignupFlow.Attempt(signup, r.website(), new AbuseGuard.Proof(ip, r.altcha(), null, r.captcha()), false,
                false, caller.presentedToken());
        // Runs on the event loop (it returns a stage): a sign-up with a token waits for its shared transaction
        // without holding a thread (docs/DECISIONS.md 37).
        return EventLoopAnswer.when(flow.submitAsync(attempt, Infrastructure.getDefaultWorkerPool()),
                done -> Response.accepted(ACCEPTED).type(MediaType.APPLICATION_JSON).build());
    }
}
