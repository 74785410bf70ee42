package dev.valjean.issue;

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
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.mail.LayoutStore;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** The newsletter layouts the content team owns: listed with a preview on sample content, edited, and saved as new versions. */
@Path("/console/layouts")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR })
@Produces(MediaType.TEXT_HTML)
public class LayoutPages {

    /** One layout on the list, with how it looks on sample content. */
    public record Line(LayoutStore.Source source, String sample, String sampleError) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance layouts(Frame frame, List<Line> layouts);

        static native TemplateInstance layout(Frame frame, LayoutStore.Source source, String html, String text, String error, String notice);
    }

    @Inject
    LayoutStore layouts;
    @Inject
    IssueService issues;
    @Inject
    Frames frames;
    @Inject
    Caller caller;

    @GET
    public TemplateInstance list() {
        // One layout that does not parse is shown with its error; the others still list.
        List<Line> lines = layouts.names("newsletter").stream().map(name -> {
            LayoutStore.Source source = new LayoutStore.Source("newsletter", name, null, null, null, null, null, null);
            try {
                source = layouts.source("newsletter", name);
                return new Line(source, issues.layoutSample(name), null);
            } catch (ValjeanException e) {
                return new Line(source, null, e.getMessage());
            }
        }).toList();
        return Templates.layouts(frames.of("Layouts", "layouts", "Layouts"), lines);
    }

    @GET
    @Path("{name}")
    public TemplateInstance edit(@PathParam("name") String name, @QueryParam("saved") Integer saved) {
        LayoutStore.Source source = source(name);
        return Templates.layout(frame(name), source, source.html(), source.text(), null,
                saved == null ? null : "Saved as version " + saved + ". The next issue with this layout uses it, on every instance.");
    }

    @POST
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response save(@PathParam("name") String name, @RestForm String html, @RestForm String text) {
        LayoutStore.Source source = source(name);
        try {
            LayoutStore.Source saved = issues.saveLayout(name, html, text, caller.name() + " <" + caller.email() + ">");
            return Response.seeOther(URI.create("/console/layouts/" + name + "?saved=" + saved.version())).build();
        } catch (ValjeanException e) {
            return Response.status(e.status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                    .entity(Templates.layout(frame(name), source, html, text, e.getMessage(), null).render()).build();
        }
    }

    private LayoutStore.Source source(String name) {
        try {
            return layouts.source("newsletter", name);
        } catch (ValjeanException e) {
            throw new WebApplicationException(404);
        }
    }

    private Frame frame(String name) {
        return frames.of("Layout " + name, "layouts", "Layouts", "/console/layouts", name);
    }
}
