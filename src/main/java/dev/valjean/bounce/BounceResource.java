package dev.valjean.bounce;

import java.util.List;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;

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

    private final BounceService bounces;

    public BounceResource(BounceService bounces) {
        this.bounces = bounces;
    }

    /**
     * One raw message. {@code dryRun=true} classifies and attributes without changing anything.
     * Each failed recipient: its class (hard, soft, complaint, other), status, reason, the outbox
     * row it is about, and what was done.
     */
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
}
