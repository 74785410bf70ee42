package dev.valjean.support;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** An endpoint someone forgot to declare roles for (only in tests): it must be closed to everyone. */
@Path("/test-only/undeclared")
public class UndeclaredResource {

    @GET
    public String secret() {
        return "should never be seen";
    }
}
