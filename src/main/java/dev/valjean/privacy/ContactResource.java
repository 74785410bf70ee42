package dev.valjean.privacy;

import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.nurture.NurtureService;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;

/** One person: data rights for operators (admin only: consent proof, export, erasure), and the reply event. */
@Authorized(Role.ADMIN)
@Path("/api/v1/contacts/{email}")
public class ContactResource {

    private final ContactDataService data;
    private final NurtureService nurture;
    private final Template proofPage;

    public ContactResource(ContactDataService data, NurtureService nurture, @Location("pages/consent-proof.html") Template proofPage) {
        this.data = data;
        this.nurture = nurture;
        this.proofPage = proofPage;
    }

    /**
     * The person wrote back (called by the CRM or an inbound-mail hook): every sequence of theirs
     * ends, since a person is answering now.
     */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Tell that a person replied (ends their sequences)")
    @POST
    @Path("/replied")
    @Authorized({ Role.ADMIN, Role.SALES })
    public Replied replied(@PathParam("email") String email) {
        return new Replied(nurture.replied(email));
    }

    /** How many sequences a reply ended. */
    public record Replied(int endedEnrollments) {
    }

    /** The consent proof per subscription: what was shown, when, from where, and each step since. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Read a person's consent proof")
    @GET
    @Path("/consent")
    @Produces(MediaType.APPLICATION_JSON)
    public ContactDataService.ConsentProof consent(@PathParam("email") String email) {
        return data.consentProof(email);
    }

    /** The same proof as a printable page. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Read a person's consent proof")
    @GET
    @Path("/consent")
    @Produces(MediaType.TEXT_HTML)
    public Response consentPage(@PathParam("email") String email) {
        return Response.ok(proofPage.data("proof", data.consentProof(email)).render())
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).build();
    }

    /** Everything held about the person. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Export everything held about a person")
    @GET
    @Path("/export")
    @Produces(MediaType.APPLICATION_JSON)
    public ContactDataService.Export export(@PathParam("email") String email) {
        return data.export(email);
    }

    /** Erases the person; their address stays suppressed by its keyed hash. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Erase a person")
    @DELETE
    public Response erase(@PathParam("email") String email) {
        data.erase(email);
        return Response.noContent().build();
    }
}
