package dev.valjean.console;

import java.net.URI;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;

/** {@code GET /} leads to the console (which sends a visitor without a session to its sign-in page). */
@Path("/")
@PublicEndpoint
public class RootPage {

    @GET
    public Response root() {
        return Response.seeOther(URI.create("/console")).build();
    }
}
