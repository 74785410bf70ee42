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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

/** A newsletter's issues: write a new one, list them. */
@Path("/api/v1/newsletters/{slug}/issues")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class NewsletterIssuesResource {

    private final IssueService issues;

    public NewsletterIssuesResource(IssueService issues) {
        this.issues = issues;
    }

    @Operation(operationId = "createIssue", summary = "Write a new issue (a draft)",
            description = "Writes a draft issue of one to three items (title, body in Markdown, optional link) in one of the newsletter's layouts. Nothing is sent until it is scheduled or sent.")
    @APIResponse(responseCode = "201", description = "The draft; Location is its address", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueResource.IssueView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), ITEM_COUNT (one to three items), ISSUE_TOO_LARGE, LAYOUT_NOT_FOUND, LAYOUT_INVALID")
    @POST
    public Response create(@PathParam("slug") String slug, @Valid @NotNull IssueResource.IssueRequest r) {
        Issue issue = issues.create(slug, new IssueService.Draft(r.subject(), r.preheader(), r.layout(), r.items()));
        return Response.created(URI.create("/api/v1/issues/" + issue.id)).entity(IssueResource.view(issue, issues)).build();
    }

    /** A newsletter's issues, newest first: {@code limit} (1–500, 100) older than the issue {@code before}. */
    @Operation(operationId = "listIssues", summary = "List a newsletter's issues",
            description = "The newsletter's issues, newest first: limit (1-500, default 100) older than the issue id before.")
    @APIResponse(responseCode = "200", description = "The issues, newest first", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = IssueResource.IssueView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: limit out of range")
    @GET
    public List<IssueResource.IssueView> list(@PathParam("slug") String slug, @jakarta.ws.rs.QueryParam("before") Long before,
            @jakarta.ws.rs.QueryParam("limit") @jakarta.ws.rs.DefaultValue("100") @jakarta.validation.constraints.Min(1)
            @jakarta.validation.constraints.Max(500) int limit) {
        return issues.recent(slug, before, limit).stream().map(i -> IssueResource.view(i, issues)).toList();
    }
}
