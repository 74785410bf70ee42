package dev.valjean.issue;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.newsletter.Newsletter;
import dev.valjean.newsletter.NewsletterService;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** The console's home (each newsletter at a glance) and a newsletter's issues. */
@Path("/console")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
@Produces(MediaType.TEXT_HTML)
public class NewsletterPages {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance home(Frame frame, List<IssueService.Overview> newsletters);

        static native TemplateInstance newsletter(Frame frame, Newsletter newsletter, List<Issue> issues, Long older);
    }

    @Inject
    IssueService issues;
    @Inject
    NewsletterService newsletters;
    @Inject
    Frames frames;

    @GET
    public TemplateInstance home() {
        return Templates.home(frames.of("Newsletters", "newsletters", "Newsletters"), issues.overview());
    }

    @GET
    @Path("newsletters/{slug}")
    public TemplateInstance newsletter(@PathParam("slug") String slug, @jakarta.ws.rs.QueryParam("before") Long before) {
        Newsletter n = IssuePages.newsletterOr404(slug);
        List<Issue> page = issues.recent(slug, before, PAGE);
        Long older = page.size() == PAGE ? page.get(page.size() - 1).id : null;
        return Templates.newsletter(frames.of(n.name, "newsletters", "Newsletters", "/console", n.name), n, page, older);
    }

    private static final int PAGE = 50;
}
