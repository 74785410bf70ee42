package dev.valjean.issue;

import java.net.URI;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;

/** A newsletter's issues: write a new one, list them. */
@Path("/api/v1/newsletters/{slug}/issues")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class NewsletterIssuesResource {

    private final IssueService issues;

    public NewsletterIssuesResource(IssueService issues) {
        this.issues = issues;
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Write a new issue (a draft)")
    @POST
    public Response create(@PathParam("slug") String slug, @Valid @NotNull IssueResource.IssueRequest r) {
        Issue issue = issues.create(slug, new IssueService.Draft(r.subject(), r.preheader(), r.layout(), r.items()));
        return Response.created(URI.create("/api/v1/issues/" + issue.id)).entity(IssueResource.view(issue, issues)).build();
    }

    /** A newsletter's issues, newest first: {@code limit} (1–500, 100) older than the issue {@code before}. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "List a newsletter's issues")
    @GET
    public List<IssueResource.IssueView> list(@PathParam("slug") String slug, @jakarta.ws.rs.QueryParam("before") Long before,
            @jakarta.ws.rs.QueryParam("limit") @jakarta.ws.rs.DefaultValue("100") @jakarta.validation.constraints.Min(1)
            @jakarta.validation.constraints.Max(500) int limit) {
        return issues.recent(slug, before, limit).stream().map(i -> IssueResource.view(i, issues)).toList();
    }
}
