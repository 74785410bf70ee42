package dev.valjean.abuse;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Issues ALTCHA-compatible proof-of-work challenges for the public sign-up forms. */
@Path("/api/v1/challenge")
@PublicEndpoint
public class ChallengeResource {

    private final ChallengeService challenges;

    public ChallengeResource(ChallengeService challenges) {
        this.challenges = challenges;
    }

    @Operation(operationId = "getChallenge", summary = "Get a proof-of-work challenge for a public sign-up",
            description = "A fresh proof-of-work challenge (ALTCHA) for a public sign-up or form: the browser solves it and sends the solution as altcha. Each solution is good once and for a few minutes. Not cached.")
    @APIResponse(responseCode = "200", description = "A challenge to solve", content = @Content(mediaType = "application/json", schema = @Schema(implementation = dev.valjean.abuse.ChallengeService.Challenge.class)))
    @GET
    public Response challenge() {
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return Response.ok(challenges.create()).cacheControl(noStore).build();
    }
}
