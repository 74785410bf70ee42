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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

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
    @Operation(operationId = "markReplied", summary = "Tell that a person replied (ends their sequences)",
            description = "Tells Valjean that the person replied (from the CRM or the mailbox): every sequence they are in ends before its next email.")
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
    @Operation(operationId = "getConsentProof", summary = "Read a person's consent proof",
            description = "The proof of a person's consent: for each newsletter who asked, when, how (form, page, IP), the consent text shown, when they confirmed, and every later change. As HTML for printing when asked for text/html.")
    @GET
    @Path("/consent")
    @Produces(MediaType.APPLICATION_JSON)
    public ContactDataService.ConsentProof consent(@PathParam("email") String email) {
        return data.consentProof(email);
    }

    /** The same proof as a printable page. */
    @Operation(operationId = "getConsentProof", summary = "Read a person's consent proof",
            description = "The proof of a person's consent: for each newsletter who asked, when, how (form, page, IP), the consent text shown, when they confirmed, and every later change. As HTML for printing when asked for text/html.")
    @GET
    @Path("/consent")
    @Produces(MediaType.TEXT_HTML)
    public Response consentPage(@PathParam("email") String email) {
        return Response.ok(proofPage.data("proof", data.consentProof(email)).render())
                .type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).build();
    }

    /** Everything held about the person. */
    @Operation(operationId = "exportContact", summary = "Export everything held about a person",
            description = "Everything held about a person (GDPR article 15): contact data, subscriptions, consent ledger, messages, enrollments, form submissions, bounces.")
    @GET
    @Path("/export")
    @Produces(MediaType.APPLICATION_JSON)
    public ContactDataService.Export export(@PathParam("email") String email) {
        return data.export(email);
    }

    /** Erases the person; their address stays suppressed by its keyed hash. */
    @Operation(operationId = "eraseContact", summary = "Erase a person",
            description = "Erases a person (GDPR article 17): their data, messages and reports go; the address is kept only as a hash on the suppression list so that it is never mailed or imported again; subscribers to contact.erased hear it.")
    @APIResponse(responseCode = "204", description = "Erased")
    @APIResponse(responseCode = "422", description = "ERASE_NOT_CONFIRMED")
    @DELETE
    public Response erase(@PathParam("email") String email) {
        data.erase(email);
        return Response.noContent().build();
    }
}
