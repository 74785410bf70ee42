package dev.valjean.bounce;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Bounce and complaint messages handed in whole (an MTA's pipe transport, an inbound-mail
 * service): parsed, attributed, applied. A token with the BOUNCES role can do only this.
 */
@Path("/api/v1/bounces")
@Authorized({ Role.ADMIN, Role.BOUNCES })
public class BounceResource {

    /** Largest report taken (a returned message with its attachments). */
    static final int MAX_BYTES = 10 * 1024 * 1024;

    public record ResultView(String recipient, @JsonProperty("class") String bounceClass, String status, String reason, Long outboxId,
            String action) {
    }

    public record Answer(List<ResultView> results, String outcome, boolean repeated, boolean dryRun) {
    }

    public record Reports(List<BounceService.ReportLine> reports) {
    }

    public record Events(List<BounceService.EventLine> events) {
    }

    private final BounceService bounces;

    public BounceResource(BounceService bounces) {
        this.bounces = bounces;
    }

    /**
     * One raw message. {@code dryRun=true} classifies and attributes without changing anything.
     * Each failed recipient: its class (hard, soft, complaint, other), status, reason, the outbox
     * row it is about, and what was done.
     */
    @Operation(operationId = "postBounceMessage", summary = "Hand in a bounce or complaint message",
            description = "Hands in one bounce or complaint message (message/rfc822, up to 10 MB): DSN, ARF, provider formats or a plain notice. Findings are attributed to the message that caused them (VERP, Message-ID) and applied: hard bounces and complaints suppress. With dryRun=true nothing is written. A message handed in twice is applied once (repeated=true).")
    @APIResponse(responseCode = "200", description = "What the report or events were found to say and what was applied", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Answer.class)))
    @APIResponse(responseCode = "422", description = "REPORT_EMPTY, REPORT_TOO_LARGE, REPORT_UNREADABLE")
    @POST
    @Path("/messages")
    @Consumes("message/rfc822")
    public Answer message(byte[] raw, @QueryParam("dryRun") boolean dryRun) {
        if (raw == null || raw.length == 0) {
            throw ValjeanException.invalid("REPORT_EMPTY", "Send the whole message as the body, with Content-Type: message/rfc822.");
        }
        if (raw.length > MAX_BYTES) {
            throw new ValjeanException(413, "REPORT_TOO_LARGE", "Report too large", "A report may be up to 10 MB.");
        }
        BounceService.Outcome o = bounces.receive(raw, BounceService.Source.API, dryRun);
        return new Answer(o.results().stream().map(r -> new ResultView(r.recipient(), r.bounceClass(), r.status(), r.reason(), r.outboxId(),
                r.action())).toList(), o.outcome(), o.repeated(), dryRun);
    }

    /** Kept reports, newest first; {@code outcome=UNATTRIBUTED} lists those no one could be found for. */
    @Operation(operationId = "listBounceReports", summary = "List kept bounce and complaint reports",
            description = "Kept reports, newest first, by outcome (APPLIED, UNATTRIBUTED, UNREADABLE, NOTHING).")
    @APIResponse(responseCode = "200", description = "The reports", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Reports.class)))
    @APIResponse(responseCode = "422", description = "OUTCOME_INVALID, LIMIT_INVALID")
    @GET
    @Path("/reports")
    @Authorized(Role.ADMIN)
    public Reports reports(@QueryParam("outcome") String outcome, @QueryParam("before") Long before, @QueryParam("limit") Integer limit) {
        if (outcome != null && !List.of("APPLIED", "UNATTRIBUTED", "NOTHING_FAILED", "UNREADABLE").contains(outcome)) {
            throw ValjeanException.invalid("OUTCOME_INVALID", "outcome is one of APPLIED, UNATTRIBUTED, NOTHING_FAILED, UNREADABLE.");
        }
        return new Reports(bounces.reports(outcome, before, limit(limit)));
    }

    /** A kept report as it was received. */
    @Operation(operationId = "getBounceReportRaw", summary = "Read a kept report as it was received",
            description = "A kept report as it was received.")
    @APIResponse(responseCode = "200", description = "The message", content = @Content(mediaType = "message/rfc822"))
    @GET
    @Path("/reports/{id}/raw")
    @Produces("message/rfc822")
    @Authorized(Role.ADMIN)
    public Response raw(@PathParam("id") long id) {
        return Response.ok(bounces.raw(id).orElseThrow(() -> ValjeanException.notFound("Report " + id))).build();
    }

    /** The bounce log: what each report said about whom, and what was done; by class, issue or address. */
    @Operation(operationId = "listBounceEvents", summary = "Read the bounce log",
            description = "The bounce log: each finding with its class, reason, status, the message and issue it was about; by class, issue and address.")
    @APIResponse(responseCode = "200", description = "The bounce log", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Events.class)))
    @APIResponse(responseCode = "422", description = "CLASS_INVALID, LIMIT_INVALID")
    @GET
    @Path("/events")
    @Authorized(Role.ADMIN)
    public Events events(@QueryParam("class") String bounceClass, @QueryParam("issue") Long issue, @QueryParam("email") String email,
            @QueryParam("before") Long before, @QueryParam("limit") Integer limit) {
        String c = bounceClass == null ? null : bounceClass.toUpperCase(java.util.Locale.ROOT);
        if (c != null && !List.of("HARD", "SOFT", "COMPLAINT", "OTHER", "DELIVERED").contains(c)) {
            throw ValjeanException.invalid("CLASS_INVALID", "class is one of hard, soft, complaint, other, delivered.");
        }
        return new Events(bounces.events(c, issue, email, before, limit(limit)));
    }

    private static int limit(Integer limit) {
        if (limit != null && (limit < 1 || limit > 500)) {
            throw ValjeanException.invalid("LIMIT_INVALID", "limit is 1 to 500.");
        }
        return limit == null ? 100 : limit;
    }
}
