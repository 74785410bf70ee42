package dev.valjean.issue;

import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.newsletter.Newsletter;

/** Issues, for editors: write, preview, test, schedule or send, cancel, and follow progress. */
@Path("/api/v1/issues")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class IssueResource {

    public record IssueRequest(@Size(max = 200) String subject, @Size(max = 200) String preheader, @Size(max = 63) String layout,
            List<IssueContent.Item> items) {
    }

    public record ScheduleRequest(@NotNull Instant at, @Size(max = 500) String overrideReason) {
    }

    public record SendRequest(@Size(max = 500) String overrideReason) {
    }

    public record TestRequest(@Size(max = 320) String to) {
    }

    public record IssueView(long id, String newsletter, String subject, String preheader, String layout,
            List<IssueContent.Item> items, IssueStatus status, Instant scheduledAt, Instant startedAt, Instant sentAt,
            Instant cancelledAt, String cadenceOverride, Integer recipients, IssueService.Progress progress, String archiveUrl,
            Instant createdAt, Instant updatedAt) {
    }

    private final IssueService issues;
    private final IssueBreaker breaker;
    private final Caller caller;

    public IssueResource(IssueService issues, IssueBreaker breaker, Caller caller) {
        this.issues = issues;
        this.breaker = breaker;
        this.caller = caller;
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Read an issue with its progress")
    @GET
    @Path("/{id}")
    public IssueView get(@PathParam("id") long id) {
        return view(issues.find(id));
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Change a draft or scheduled issue")
    @PATCH
    @Path("/{id}")
    public IssueView change(@PathParam("id") long id, @Valid @NotNull IssueRequest r) {
        return view(issues.change(id, new IssueService.Draft(r.subject(), r.preheader(), r.layout(), r.items())));
    }

    /** The HTML and text a subscriber would see, with example links. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Preview an issue as a subscriber sees it")
    @GET
    @Path("/{id}/preview")
    public IssueService.Preview preview(@PathParam("id") long id) {
        return issues.preview(id);
    }

    /** Sends the issue to the editor (the token's email, or {@code to}); not counted as a send. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Send a test of an issue to one address")
    @POST
    @Path("/{id}/test")
    public Response test(@PathParam("id") long id, @Valid TestRequest r) {
        String to = r != null && r.to() != null ? r.to() : caller.email();
        if (to == null) {
            throw ValjeanException.invalid("NO_TEST_ADDRESS", "This token has no email address; give one as 'to'.");
        }
        OutboxMessage queued = issues.sendTest(id, to, caller.tokenId());
        return Response.accepted(java.util.Map.of("outboxId", queued.id, "status", queued.status)).build();
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Schedule an issue for a time")
    @POST
    @Path("/{id}/schedule")
    public IssueView schedule(@PathParam("id") long id, @Valid @NotNull ScheduleRequest r) {
        return view(issues.schedule(id, r.at(), r.overrideReason()));
    }

    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Send an issue now")
    @POST
    @Path("/{id}/send")
    public IssueView send(@PathParam("id") long id, @Valid SendRequest r) {
        return view(issues.sendNow(id, r == null ? null : r.overrideReason()));
    }

    /** Cancels a draft or scheduled issue; an admin also cancels an issue its circuit breaker paused (its waiting messages are skipped). */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Cancel a draft, scheduled or paused issue")
    @POST
    @Path("/{id}/cancel")
    public IssueView cancel(@PathParam("id") long id) {
        if (breaker.isPaused(id)) {
            if (caller.role() != Role.ADMIN) {
                throw ValjeanException.forbidden("Only an admin cancels an issue that paused itself.");
            }
            breaker.cancel(id);
            return view(issues.find(id));
        }
        return view(issues.cancel(id));
    }

    /** An admin resumes an issue its circuit breaker paused: each waiting message is sent once. */
    @org.eclipse.microprofile.openapi.annotations.Operation(summary = "Resume an issue its circuit breaker paused")
    @POST
    @Path("/{id}/resume")
    @Authorized(Role.ADMIN)
    public IssueView resume(@PathParam("id") long id) {
        breaker.resume(id);
        return view(issues.find(id));
    }

    IssueView view(Issue i) {
        return view(i, issues);
    }

    static IssueView view(Issue i, IssueService issues) {
        Newsletter n = Newsletter.findById(i.newsletterId);
        boolean started = i.startedAt != null;
        return new IssueView(i.id, n.slug, i.subject, i.preheader, i.layout, IssueContent.fromJson(i.items), i.status,
                i.scheduledAt, i.startedAt, i.sentAt, i.cancelledAt, i.cadenceOverride, i.recipients,
                started ? issues.progress(i) : null, started ? "/archive/" + n.slug + "/" + i.id : null, i.createdAt, i.updatedAt);
    }
}
