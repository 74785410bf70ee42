package dev.valjean.privacy;

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
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.delivery.OutboxService;
import dev.valjean.subscription.PreferenceService;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;

/**
 * A person, answerable (admins): search by address or name; the person's page with each
 * subscription and its consent proof, every email with what happened to it (each viewable as they
 * received it), sequences, suppressions, form submissions; export, erase, unsubscribe, suppress.
 */
@Path("/console/contacts")
@ConsolePage
@Authorized(Role.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class ContactPages {

    static final int FOUND = 50;

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance contacts(Frame frame, String query, List<ContactDataService.Found> found, boolean erased);

        static native TemplateInstance contact(Frame frame, long id, ContactDataService.Export person, List<SuppressionReason> reasons,
                String notice, String error);

        static native TemplateInstance message(Frame frame, long id, ContactDataService.Export person, ContactDataService.MessagePart message,
                OutboxService.AsReceived shown);
    }

    @Inject
    ContactDataService data;
    @Inject
    OutboxService outbox;
    @Inject
    PreferenceService preferences;
    @Inject
    Frames frames;
    @Inject
    @Location("pages/consent-proof.html")
    Template proofPage;

    @GET
    public TemplateInstance search(@QueryParam("q") String q, @QueryParam("erased") boolean erased) {
        String query = q == null ? "" : q.strip();
        return Templates.contacts(frames.of("Contacts", "contacts", "Contacts"), query,
                data.search(query, FOUND), erased);
    }

    @GET
    @Path("{id}")
    public TemplateInstance contact(@PathParam("id") long id, @QueryParam("done") String done) {
        String notice = done == null ? null : switch (done) {
            case "unsubscribed" -> "Unsubscribed from that newsletter; the ledger records it as done in the console.";
            case "suppressed" -> "The address is on the suppression list: no mail but a new double opt-in reaches it.";
            default -> null;
        };
        return page(id, notice, null);
    }

    /** The printable consent record, as the API serves it. */
    @GET
    @Path("{id}/proof")
    public String proof(@PathParam("id") long id) {
        return proofPage.data("proof", found(() -> data.consentProof(id))).render();
    }

    /** Everything held about the person, as a file. */
    @GET
    @Path("{id}/export")
    @Produces(MediaType.APPLICATION_JSON)
    public Response export(@PathParam("id") long id) {
        return Response.ok(found(() -> data.export(id)))
                .header("Content-Disposition", "attachment; filename=\"valjean-contact-" + id + ".json\"").build();
    }

    /** One email as the person received it: stored, or rendered again for them (newsletter messages are not stored). */
    @GET
    @Path("{id}/messages/{message}")
    public TemplateInstance message(@PathParam("id") long id, @PathParam("message") long message) {
        ContactDataService.Export person = found(() -> data.export(id));
        ContactDataService.MessagePart part = person.messages().stream().filter(m -> m.id() == message).findFirst()
                .orElseThrow(() -> dev.valjean.auth.ConsoleAccess.notFound("This person."));
        OutboxService.AsReceived shown = outbox.asReceived(message, id).orElseThrow(() -> dev.valjean.auth.ConsoleAccess.notFound("This person."));
        String title = part.subject() != null ? part.subject() : shown.subject() != null ? shown.subject() : "Message " + message;
        return Templates.message(frames.of(title, "contacts", "Contacts", "/console/contacts", person.contact().email(),
                "/console/contacts/" + id, title), id, person, part, shown);
    }

    @POST
    @Path("{id}/erase")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response erase(@PathParam("id") long id, @RestForm String confirm) {
        try {
            data.erase(id, confirm);
        } catch (ValjeanException e) {
            if (e.status == 404) {
                throw dev.valjean.auth.ConsoleAccess.notFound("This person.");
            }
            return PageResponse.of(e.status, page(id, null, e.getMessage()));
        }
        return Response.seeOther(URI.create("/console/contacts?erased=true")).build();
    }

    @POST
    @Path("{id}/unsubscribe")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response unsubscribe(@PathParam("id") long id, @RestForm String newsletter) {
        found(() -> data.addressOf(id));
        preferences.leaveForThem(id, newsletter == null ? "" : newsletter);
        return Response.seeOther(URI.create("/console/contacts/" + id + "?done=unsubscribed")).build();
    }

    @POST
    @Path("{id}/suppress")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response suppress(@PathParam("id") long id, @RestForm String reason, @RestForm String detail) {
        SuppressionReason chosen;
        try {
            chosen = SuppressionReason.valueOf(reason == null ? "" : reason);
        } catch (IllegalArgumentException e) {
            return PageResponse.of(422, page(id, null, "Choose why the address is suppressed."));
        }
        if (chosen == SuppressionReason.ERASURE) {
            return PageResponse.of(422, page(id, null, "Erasure is its own action below: it also deletes what is held."));
        }
        if (detail != null && detail.length() > 500) {
            return PageResponse.of(422, page(id, null, "The note takes at most 500 characters."));
        }
        found(() -> {
            data.suppress(id, chosen, detail);
            return true;
        });
        return Response.seeOther(URI.create("/console/contacts/" + id + "?done=suppressed")).build();
    }

    private TemplateInstance page(long id, String notice, String error) {
        ContactDataService.Export person = found(() -> data.export(id));
        return Templates.contact(frames.of(person.contact().email(), "contacts", "Contacts", "/console/contacts",
                person.contact().email()), id, person,
                List.of(SuppressionReason.GLOBAL_OPT_OUT, SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT), notice, error);
    }

    /** A missing or erased person is a 404 page, whatever the action. */
    private static <T> T found(java.util.function.Supplier<T> read) {
        try {
            return read.get();
        } catch (ValjeanException e) {
            if (e.status == 404) {
                throw dev.valjean.auth.ConsoleAccess.notFound("This person.");
            }
            throw e;
        }
    }
}
