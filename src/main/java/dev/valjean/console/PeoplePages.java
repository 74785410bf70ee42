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
        static native TemplateInstance people(Frame frame, java.util.List<Person> people, Invite invite, FieldErrors errors, String invited);
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

    private TemplateInstance page(Invite invite, FieldErrors errors, String invited) {
        return Templates.people(frames.of("People", "people", "People"), people.list(), invite, errors, invited);
    }
}
