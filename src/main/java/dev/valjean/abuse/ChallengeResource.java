package dev.valjean.abuse;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;

/** Issues ALTCHA-compatible proof-of-work challenges for the public sign-up forms. */
@Path("/api/v1/challenge")
@PublicEndpoint
public class ChallengeResource {

    private final ChallengeService challenges;

    public ChallengeResource(ChallengeService challenges) {
        this.challenges = challenges;
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Get a proof-of-work challenge for a public sign-up")
    @GET
    public Response challenge() {
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        return Response.ok(challenges.create()).cacheControl(noStore).build();
    }
}
