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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Issues, for editors: write, preview, test, schedule or send, cancel, and follow progress. */
@Path("/api/v1/issues")
@Authorized({ Role.ADMIN, Role.EDITOR })
public class IssueResource {

    public record IssueRequest(@Size(max = 200) String subject, @Size(max = 200) String preheader, @Size(max = 63) String layout,
            @org.eclipse.microprofile.openapi.annotations.media.Schema(nullable = true) List<IssueContent.Item> items) {
    }

    public record ScheduleRequest(@NotNull Instant at, @Size(max = 500) String overrideReason) {
    }

    public record SendRequest(@Size(max = 500) String overrideReason) {
    }

    public record TestRequest(@Size(max = 320) String to) {
    }

    /** A test message in the outbox: its id and status. */
    public record TestQueued(long outboxId, String status) {
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

    @Operation(operationId = "getIssue", summary = "Read an issue with its progress",
            description = "One issue with its status and, once sending has started, its progress (queued, sent, skipped by the consent gate, failed) and archive address.")
    @GET
    @Path("/{id}")
    public IssueView get(@PathParam("id") long id) {
        return view(issues.find(id));
    }

    @Operation(operationId = "changeIssue", summary = "Change a draft or scheduled issue",
            description = "Replaces the subject, preheader, layout or items of a draft or scheduled issue (fields left out stay).")
    @APIResponse(responseCode = "200", description = "The issue", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueView.class)))
    @APIResponse(responseCode = "409", description = "ISSUE_NOT_EDITABLE: the issue is sending, sent or cancelled")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), ITEM_COUNT, ISSUE_TOO_LARGE, LAYOUT_NOT_FOUND, LAYOUT_INVALID")
    @PATCH
    @Path("/{id}")
    public IssueView change(@PathParam("id") long id, @Valid @NotNull IssueRequest r) {
        return view(issues.change(id, new IssueService.Draft(r.subject(), r.preheader(), r.layout(), r.items())));
    }

    /** The HTML and text a subscriber would see, with example links. */
    @Operation(operationId = "previewIssue", summary = "Preview an issue as a subscriber sees it",
            description = "The HTML and text a subscriber would receive, rendered with example links, and the layout's warnings.")
    @GET
    @Path("/{id}/preview")
    public IssueService.Preview preview(@PathParam("id") long id) {
        return issues.preview(id);
    }

    /** Sends the issue to the editor (the token's email, or {@code to}); not counted as a send. */
    @Operation(operationId = "testIssue", summary = "Send a test of an issue to one address",
            description = "Queues the issue for one address (the token's own address, or to); marked as a test, not counted as a send, not in the archive.")
    @APIResponse(responseCode = "202", description = "The test message is in the outbox", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueResource.TestQueued.class)))
    @APIResponse(responseCode = "422", description = "NO_TEST_ADDRESS (the token has no address and no to was given), TEST_RECIPIENTS (too many tests this hour), INVALID_EMAIL")
    @POST
    @Path("/{id}/test")
    public Response test(@PathParam("id") long id, @Valid TestRequest r) {
        String to = r != null && r.to() != null ? r.to() : caller.email();
        if (to == null) {
            throw ValjeanException.invalid("NO_TEST_ADDRESS", "This token has no email address; give one as 'to'.");
        }
        OutboxMessage queued = issues.sendTest(id, to, caller.tokenId());
        return Response.accepted(new TestQueued(queued.id, String.valueOf(queued.status))).build();
    }

    @Operation(operationId = "scheduleIssue", summary = "Schedule an issue for a time",
            description = "Schedules a draft for a time. The newsletter's cadence promise is checked: an issue sooner after the last one than promised needs an overrideReason, which is audited.")
    @APIResponse(responseCode = "200", description = "The issue", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueView.class)))
    @APIResponse(responseCode = "409", description = "ISSUE_NOT_EDITABLE, CADENCE_TOO_SOON (give overrideReason to send anyway)")
    @APIResponse(responseCode = "422", description = "SCHEDULE_TIME_INVALID (in the past), VALIDATION_FAILED (a field breaks a rule; errors[] names it)")
    @POST
    @Path("/{id}/schedule")
    public IssueView schedule(@PathParam("id") long id, @Valid @NotNull ScheduleRequest r) {
        return view(issues.schedule(id, r.at(), r.overrideReason()));
    }

    @Operation(operationId = "sendIssue", summary = "Send an issue now",
            description = "Sends the issue now: every confirmed subscriber at this moment gets one message in the outbox, each checked again by the consent gate right before it is sent. The same cadence rule as scheduling.")
    @APIResponse(responseCode = "200", description = "The issue", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueView.class)))
    @APIResponse(responseCode = "409", description = "ISSUE_NOT_EDITABLE (already sending, sent or cancelled), CADENCE_TOO_SOON (give overrideReason to send anyway)")
    @POST
    @Path("/{id}/send")
    public IssueView send(@PathParam("id") long id, @Valid SendRequest r) {
        return view(issues.sendNow(id, r == null ? null : r.overrideReason()));
    }

    /** Cancels a draft or scheduled issue; an admin also cancels an issue its circuit breaker paused (its waiting messages are skipped). */
    @Operation(operationId = "cancelIssue", summary = "Cancel a draft, scheduled or paused issue",
            description = "Cancels a draft or scheduled issue. An admin also cancels an issue its circuit breaker paused: its waiting messages are skipped.")
    @APIResponse(responseCode = "200", description = "The issue", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueView.class)))
    @APIResponse(responseCode = "409", description = "ISSUE_NOT_EDITABLE: already sent or cancelled")
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
    @Operation(operationId = "resumeIssue", summary = "Resume an issue its circuit breaker paused",
            description = "An admin resumes an issue its circuit breaker paused (too many bounces or complaints): each waiting message is sent once.")
    @APIResponse(responseCode = "200", description = "The issue", content = @Content(mediaType = "application/json", schema = @Schema(implementation = IssueView.class)))
    @APIResponse(responseCode = "409", description = "ISSUE_NOT_PAUSED")
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
