package dev.valjean.console;

import java.net.URI;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Person;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** Admins see who can sign in and invite people. */
@Path("/console/people")
@ConsolePage
@Authorized(Role.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class PeoplePages {

    /** What the invitation form holds, to show it again with its errors. */
    public record Invite(String email, String name, String role) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance people(Frame frame, java.util.List<Person> people, Long me, Invite invite, FieldErrors errors,
                String invited, String error);
    }

    @Inject
    PeopleService people;
    @Inject
    Frames frames;
    @Inject
    Caller caller;

    @GET
    public TemplateInstance list(@QueryParam("invited") String invited) {
        return page(new Invite("", "", "EDITOR"), FieldErrors.NONE, invited != null && invited.length() <= 320 ? invited : null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response invite(@RestForm String email, @RestForm String name, @RestForm String role) {
        Role chosen = null;
        try {
            chosen = role == null ? null : Role.valueOf(role);
        } catch (IllegalArgumentException e) {
            // shown beside the field by the service
        }
        try {
            Person person = people.invite(email, name, chosen, caller.name());
            return Response.seeOther(URI.create("/console/people?invited=" + java.net.URLEncoder.encode(person.email,
                    java.nio.charset.StandardCharsets.UTF_8))).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(new Invite(email, name, role), FieldErrors.of(e), null));
        }
    }

    /** Another role for someone (from their next request). */
    @POST
    @Path("{id}/role")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response role(@jakarta.ws.rs.PathParam("id") long id, @RestForm String role) {
        Role chosen = null;
        try {
            chosen = Role.valueOf(role == null ? "" : role);
        } catch (IllegalArgumentException e) {
            // refused by the service
        }
        Role wanted = chosen;
        return act(() -> people.changeRole(id, wanted, caller.personId()));
    }

    /** Deactivates (their sessions end) or reactivates someone. */
    @POST
    @Path("{id}/active")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response active(@jakarta.ws.rs.PathParam("id") long id, @RestForm boolean active) {
        return act(() -> people.setActive(id, active, caller.personId()));
    }

    private Response act(Runnable change) {
        try {
            change.run();
        } catch (ValjeanException e) {
            if (e.status == 404) {
                throw dev.valjean.auth.ConsoleAccess.notFound("This person.");
            }
            return PageResponse.of(e.status, page(new Invite("", "", "EDITOR"), FieldErrors.NONE, null, e.getMessage()));
        }
        return Response.seeOther(URI.create("/console/people")).build();
    }

    private TemplateInstance page(Invite invite, FieldErrors errors, String invited) {
        return page(invite, errors, invited, null);
    }

    private TemplateInstance page(Invite invite, FieldErrors errors, String invited, String error) {
        return Templates.people(frames.of("People", "people", "People"), people.list(), caller.personId(), invite, errors, invited, error);
    }
}
