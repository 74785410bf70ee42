package dev.valjean.console;

import java.net.URI;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.PublicEndpoint;
import dev.valjean.auth.SessionService;
import dev.valjean.common.ValjeanException;
import io.quarkus.oidc.IdToken;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Single sign-on: Quarkus OIDC sends the visitor to the company's identity provider (this path is
 * the only one it guards) and back; here the ID token's address, name and role claim become a
 * person and an ordinary console session. Off unless configured.
 */
@Path("/console/sso")
@ConsolePage
@PublicEndpoint
@Produces(MediaType.TEXT_HTML)
public class SsoPage {

    @Inject
    SecurityIdentity identity;
    @Inject
    @IdToken
    JsonWebToken idToken;
    @Inject
    PeopleService people;
    @Inject
    SessionService sessions;
    @Inject
    Frames frames;

    @GET
    public Response signIn() {
        if (identity.isAnonymous() || idToken == null || idToken.getRawToken() == null) {
            return PageResponse.of(404, ConsolePages.Templates.problem(frames.of("Single sign-on is off", "sign-in"),
                    "Single sign-on is off", "This Valjean signs people in with their email address and password."));
        }
        try {
            Optional<Boolean> verified = Optional.ofNullable(idToken.<Object> getClaim("email_verified")).map(v -> Boolean.valueOf(v.toString()));
            SessionService.Started started = people.signInWithSso(idToken.getClaim("email"), idToken.getClaim("name"),
                    idToken.getClaim(people.roleClaim()), verified.orElse(true));
            return Response.seeOther(URI.create("/console")).cookie(sessions.cookie(started.token())).build();
        } catch (ValjeanException e) {
            return PageResponse.of(403, ConsolePages.Templates.problem(frames.of("Single sign-on refused", "sign-in"),
                    "Single sign-on refused", e.getMessage()));
        }
    }
}
