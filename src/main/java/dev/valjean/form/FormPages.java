package dev.valjean.form;

import java.net.URI;
import java.util.List;
import java.util.Map;

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
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.FieldErrors;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * Forms of the six kinds: list and create, with what each kind does in words and how to put it on
 * a site. A gated download or an event registration says plainly that it records and never
 * subscribes or enrolls.
 */
@Path("/console/forms")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR })
@Produces(MediaType.TEXT_HTML)
public class FormPages {

    /** A form with what it does and how to use it. */
    public record Line(FormService.FormView form, long submissions, String does, String hostedUrl, String snippet) {
    }

    /** The creation form as filled in, to show it again with its errors. */
    public record Draft(String kind, String name, String newsletter, String contentUrl) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance forms(Frame frame, List<Line> forms, List<FormKind> kinds, List<Newsletter> newsletters, Draft draft,
                FieldErrors errors, String created);
    }

    @Inject
    FormService forms;
    @Inject
    Links links;
    @Inject
    Frames frames;

    @GET
    public TemplateInstance list(@QueryParam("created") String created) {
        return page(new Draft("GATED_DOWNLOAD", "", "", ""), FieldErrors.NONE, created != null && created.length() <= 200 ? created : null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@RestForm String kind, @RestForm String name, @RestForm String newsletter, @RestForm String contentUrl) {
        Draft draft = new Draft(kind, name, newsletter, contentUrl);
        try {
            FormKind chosen;
            try {
                chosen = FormKind.valueOf(kind == null ? "" : kind);
            } catch (IllegalArgumentException e) {
                throw ValjeanException.field("FORM_KIND", "kind", "Choose what the form is for.");
            }
            if (name == null || name.isBlank() || name.length() > 200) {
                throw ValjeanException.field("FORM_NAME", "name", "Name the form (at most 200 characters), e.g. “Pricing guide download”.");
            }
            FormService.FormView made = forms.create(chosen, name, newsletter == null || newsletter.isBlank() ? null : newsletter, List.of(),
                    contentUrl);
            return Response.seeOther(URI.create("/console/forms?created=" + made.id() + "#form-" + made.id())).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(draft, FieldErrors.of(e), null));
        }
    }

    private TemplateInstance page(Draft draft, FieldErrors errors, String created) {
        Map<String, Long> counts = forms.submissionCounts();
        List<Line> lines = forms.list().stream().map(f -> new Line(f, counts.getOrDefault(f.id(), 0L), does(f), hosted(f), snippet(f))).toList();
        return Templates.forms(frames.of("Forms", "forms", "Forms"), lines, List.of(FormKind.values()), Newsletter.listBySlug(), draft, errors,
                created);
    }

    /** What submitting the form does, in words. */
    static String does(FormService.FormView f) {
        return switch (f.kind()) {
            case NEWSLETTER_SIGNUP -> "Asks for a subscription to " + f.newsletter() + ": the person confirms by email before anything is sent.";
            case GATED_DOWNLOAD, EVENT_REGISTRATION -> "Records the submission and nothing more: it never subscribes anyone and never enrolls "
                    + "anyone in a sequence." + (f.newsletter() == null ? ""
                            : " Its unticked checkbox for " + f.newsletter() + " starts a double opt-in only when the person ticks it.");
            case DEMO_REQUEST, CONTACT_SALES, TRIAL -> "Records the request for sales, with whether it fits the ideal customer profile; "
                    + "it subscribes and enrolls no one.";
        };
    }

    private String hosted(FormService.FormView f) {
        return f.kind() == FormKind.NEWSLETTER_SIGNUP ? links.subscribe(f.newsletter()) : links.base() + "/forms/" + f.id();
    }

    private String snippet(FormService.FormView f) {
        if (f.kind() == FormKind.NEWSLETTER_SIGNUP) {
            return "<div data-valjean=\"" + f.newsletter() + "\"></div>\n<script src=\"" + links.base() + "/embed/" + f.newsletter()
                    + ".js\" async></script>";
        }
        // Other kinds are hosted by Valjean; a site links to the page or shows it in a frame, or its server posts the fields.
        return "curl -X POST " + links.base() + "/forms/" + f.id() + " -H 'Authorization: Bearer <token>' \\\n"
                + "  -H 'Content-Type: application/json' -d '{\"email\": \"…\", \"name\": \"…\"" + (f.newsletter() == null ? ""
                        : ", \"subscribeNewsletter\": false") + "}'";
    }
}
