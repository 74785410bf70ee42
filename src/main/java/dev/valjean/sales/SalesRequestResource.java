package dev.valjean.sales;

import java.util.List;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

/** Sales requests (demo, contact sales, trial) for sales: who asked, whether they fit, whether the CRM has them. */
@Path("/api/v1/sales-requests")
@Authorized({ Role.ADMIN, Role.SALES })
public class SalesRequestResource {

    private final SalesRequests requests;

    public SalesRequestResource(SalesRequests requests) {
        this.requests = requests;
    }

    /** Demo, contact-sales and trial requests, newest first, with their fit, whether the CRM has them, and whether sales handled them. */
    @GET
    public List<SalesRequests.SalesRequestView> list(@QueryParam("qualified") Boolean qualified, @QueryParam("handled") Boolean handled,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        return requests.list(qualified, handled == null ? null : !handled, limit);
    }
}
