package dev.valjean.nurture;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;
import dev.valjean.common.PersonalPage;
import dev.valjean.mail.Links;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

/**
 * The opt-out link in every nurture email. GET shows one button and changes nothing (link
 * scanners open links); any POST, as RFC 8058 one-click sends it, opts the person out of every
 * sequence. Their newsletter subscriptions stay as they are.
 */
@PublicEndpoint
@Path("/nurture/opt-out")
@Produces(MediaType.TEXT_HTML)
public class OptOutPage {

    private final NurtureService nurture;
    private final Links links;
    private final Template page;
    private final Template message;

    public OptOutPage(NurtureService nurture, Links links, @Location("pages/nurture-opt-out.html") Template page,
            @Location("pages/message.html") Template message) {
        this.nurture = nurture;
        this.links = links;
        this.page = page;
        this.message = message;
    }

    @Operation(operationId = "showFollowUpOptOut", summary = "Show the follow-up opt-out page",
            description = "The page a follow-up email's opt-out link opens.")
    @GET
    @Path("{token}")
    public Response confirm(@PathParam("token") String token) {
        if (links.contactOfNurtureOptOut(token) == null) {
            return notFound();
        }
        return html(200, page.data("token", token).render());
    }

    @Operation(operationId = "optOutOfFollowUps", summary = "Stop all follow-up emails",
            description = "Stops every follow-up email to the person, now and later (RFC 8058 one-click too).")
    @POST
    @Path("{token}")
    @Consumes(MediaType.WILDCARD)
    public Response optOut(@PathParam("token") String token) {
        if (!nurture.optOut(token)) {
            return notFound();
        }
        return html(200, message.data("title", "You will get no more of these emails").data("paragraphs", List.of(
                "We have stopped every automated follow-up to you. Newsletters you subscribed to, if any, are unchanged.",
                "People you are talking with can still write to you themselves."))
                .data("linkUrl", null).data("linkText", null).render());
    }

    private Response notFound() {
        return html(404, message.data("title", "Not found").data("paragraphs",
                List.of("This link is not valid. Check that it was copied whole.")).data("linkUrl", null).data("linkText", null).render());
    }

    private static Response html(int status, String body) {
        return PersonalPage.of(status, body);
    }
}
