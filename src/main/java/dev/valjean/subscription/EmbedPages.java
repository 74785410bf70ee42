package dev.valjean.subscription;

import java.net.URI;
import java.util.List;

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
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.FieldErrors;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * The sites allowed to embed the sign-up form, and the sites that tried and were refused, so a
 * site owner learns why their form says it did not work. Changes take effect without a restart.
 */
@Path("/console/embed")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR })
@Produces(MediaType.TEXT_HTML)
public class EmbedPages {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance embed(Frame frame, List<EmbedOrigins.Allowed> allowed, List<EmbedOrigins.Refused> refused,
                String origin, FieldErrors errors, String notice);
    }

    @Inject
    EmbedOrigins origins;
    @Inject
    Frames frames;
    @Inject
    Caller caller;

    @GET
    public TemplateInstance page(@QueryParam("added") String added, @QueryParam("removed") String removed) {
        String notice = added != null && added.length() <= 200 ? added + " may now embed the form (within a few seconds on every instance)."
                : removed != null && removed.length() <= 200 ? removed + " may no longer embed the form." : null;
        return render("", FieldErrors.NONE, notice);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response add(@RestForm String origin) {
        try {
            String added = origins.add(origin, caller.name() + " <" + caller.email() + ">");
            return Response.seeOther(URI.create("/console/embed?added=" + java.net.URLEncoder.encode(added, java.nio.charset.StandardCharsets.UTF_8)))
                    .build();
        } catch (ValjeanException e) {
            return Response.status(e.status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                    .entity(render(origin, FieldErrors.of(e), null).render()).build();
        }
    }

    @POST
    @Path("remove")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response remove(@RestForm String origin) {
        origins.remove(origin);
        return Response.seeOther(URI.create("/console/embed?removed=" + java.net.URLEncoder.encode(origin == null ? "" : origin,
                java.nio.charset.StandardCharsets.UTF_8))).build();
    }

    private TemplateInstance render(String origin, FieldErrors errors, String notice) {
        return Templates.embed(frames.of("Embedded forms", "embed", "Embedded forms"), origins.list(), origins.refusals(), origin, errors, notice);
    }
}
