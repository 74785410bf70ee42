package dev.valjean.delivery;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;

import org.jboss.resteasy.reactive.RestResponse;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.Role;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.ValjeanException;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;

/** The outbox, for operators: every email the system sent, will send, or decided not to send. */
@Path("/api/v1/outbox")
@Authorized(Role.ADMIN)
public class OutboxResource {

    public record OutboxView(long id, Purpose purpose, String basisType, Long basisId, long contactId, String subject,
            OutboxStatus status, String statusReason, int attempts, String messageId, String lastReply,
            Instant createdAt, Instant nextAttemptAt, Instant sentAt) {
        /** {@code inFlight}: the message has a lease, so it is reported as SENDING rather than QUEUED. */
        static OutboxView of(OutboxMessage m, MessageIds ids, boolean inFlight) {
            OutboxStatus status = inFlight && m.status == OutboxStatus.QUEUED ? OutboxStatus.SENDING : m.status;
            return new OutboxView(m.id, m.purpose, m.basisType, m.basisId, m.contactId, m.subject, status, m.statusReason,
                    m.attempts, ids.of(m.id, m.messageId), m.lastReply, m.createdAt, m.nextAttemptAt, m.sentAt);
        }
    }

    public record OutboxDetail(OutboxView message, String sender, String listId, String unsubscribeUrl, String bodyText,
            String bodyHtml) {
    }

    public record TestRequest(@NotBlank @Size(max = 254) String to) {
    }

    private final OutboxService outbox;
    private final Caller caller;
    private final MessageIds messageIds;

    public OutboxResource(OutboxService outbox, Caller caller, MessageIds messageIds) {
        this.outbox = outbox;
        this.caller = caller;
        this.messageIds = messageIds;
    }

    /** Newest first; page with {@code before} set to the last id of the previous page. */
    @Operation(operationId = "listOutbox", summary = "List messages in the outbox",
            description = "Messages in the outbox, newest first, by status and purpose: limit (1-500, default 100) older than the id before.")
    @APIResponse(responseCode = "200", description = "The messages", content = @Content(mediaType = "application/json", schema = @Schema(type = SchemaType.ARRAY, implementation = OutboxView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: limit out of range")
    @GET
    public List<OutboxView> list(@QueryParam("status") OutboxStatus status, @QueryParam("purpose") Purpose purpose,
            @QueryParam("email") @Size(max = 254) String email, @QueryParam("contact") Long contactId,
            @QueryParam("since") Instant since, @QueryParam("before") Long beforeId,
            @QueryParam("limit") @DefaultValue("50") @Min(1) @Max(500) int limit) {
        List<OutboxMessage> page = outbox.list(new OutboxService.Filter(status, purpose, email, contactId, since, beforeId, limit));
        java.util.Set<Long> inFlight = outbox.inFlight(page.stream().map(m -> m.id).toList());
        return page.stream().map(m -> OutboxView.of(m, messageIds, inFlight.contains(m.id))).toList();
    }

    /** One message with its content, as it will be or was sent. */
    @Operation(operationId = "getOutboxMessage", summary = "Read one message of the outbox",
            description = "One message of the outbox with its attempts, sender, List-Id, unsubscribe address and text.")
    @GET
    @Path("/{id}")
    public OutboxDetail get(@PathParam("id") long id) {
        OutboxMessage m = outbox.find(id).orElseThrow(() -> ValjeanException.notFound("Outbox message " + id));
        ContentRenderer.Headers headers = outbox.headers(m);
        return new OutboxDetail(OutboxView.of(m, messageIds, !outbox.inFlight(List.of(m.id)).isEmpty()), headers.sender(), headers.listId(),
                m.unsubscribeUrl, redacted(m.bodyText), redacted(m.bodyHtml));
    }

    /** Single-use links (a confirmation token) act for the person: whoever reads the outbox must not be able to click them. */
    private static final java.util.regex.Pattern SECRET_LINK = java.util.regex.Pattern.compile(
            "(/(?:confirm|invitation|password-reset)/)[A-Za-z0-9_-]{16,}");

    static String redacted(String body) {
        return body == null ? null : SECRET_LINK.matcher(body).replaceAll("$1[redacted]");
    }

    /** Sends one TRANSACTIONAL message to the given address through the outbox, to check the relay. */
    @Operation(operationId = "sendRelayTest", summary = "Send a relay test to one address",
            description = "Queues a plain test message to one address to check the relay, DKIM and the bounce address.")
    @APIResponse(responseCode = "202", description = "The message is in the outbox; Location is its address", content = @Content(mediaType = "application/json", schema = @Schema(implementation = OutboxResource.OutboxView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a field breaks a rule; errors[] names it), INVALID_EMAIL")
    @POST
    @Path("/test")
    public RestResponse<OutboxView> test(@Valid @NotNull TestRequest request) {
        OutboxMessage m = outbox.sendTest(EmailAddress.parse(request.to()), caller.tokenId(), caller.name());
        return RestResponse.ResponseBuilder.<OutboxView> accepted().location(URI.create("/api/v1/outbox/" + m.id))
                .entity(OutboxView.of(m, messageIds, false)).build();
    }
}
