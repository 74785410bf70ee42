package dev.valjean.sales;

import java.net.URI;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsoleAccess;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** Sales requests for sales: open ones first by default, with their fit and whether the CRM has them; a "handled" mark. */
@Path("/console/sales-requests")
@ConsolePage
@Authorized({ Role.ADMIN, Role.SALES })
@Produces(MediaType.TEXT_HTML)
public class SalesRequestPages {

    /** The list's filter as chosen. */
    public record Filter(boolean all, boolean fitting) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance requests(Frame frame, List<SalesRequests.SalesRequestView> requests, Filter filter);
    }

    @Inject
    SalesRequests requests;
    @Inject
    Frames frames;

    @GET
    public TemplateInstance list(@QueryParam("all") boolean all, @QueryParam("fitting") boolean fitting) {
        return Templates.requests(frames.of("Sales requests", "sales-requests", "Sales requests"),
                requests.list(fitting ? Boolean.TRUE : null, all ? null : Boolean.TRUE, 200), new Filter(all, fitting));
    }

    @POST
    @Path("{id}/handled")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response handled(@PathParam("id") long id, @RestForm boolean handled, @RestForm String back) {
        try {
            requests.setHandled(id, handled);
        } catch (ValjeanException e) {
            if (e.status == 404) {
                throw ConsoleAccess.notFound("This sales request.");
            }
            throw e;
        }
        String to = back != null && back.matches("\\?[a-z=&]{0,40}") ? back : "";
        return Response.seeOther(URI.create("/console/sales-requests" + to)).build();
    }
}
