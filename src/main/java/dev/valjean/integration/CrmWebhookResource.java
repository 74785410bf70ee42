package dev.valjean.integration;

import java.security.MessageDigest;
import dev.valjean.auth.PublicEndpoint;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.Signing;
import dev.valjean.common.StrictJson;
import dev.valjean.crm.CrmConfig;
import dev.valjean.crm.CrmResource;
import dev.valjean.crm.CrmService;
import dev.valjean.common.ValjeanException;
import dev.valjean.nurture.NurtureService;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;

/**
 * The CRM's own events, signed with a shared secret: {@code Valjean-Signature: t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "<t>.<body>">}, the scheme the outgoing sales webhook uses. Body:
 * {@code {"type": ..., "data": {...}}} with the types {@code account.upserted} and
 * {@code opportunity.upserted} (data as the PUT endpoints, plus {@code externalId}),
 * {@code contact.replied} ({@code email}) and {@code enrollment.requested} ({@code sequence},
 * {@code email}, {@code opportunity}): the same rules as the API, one event at a time.
 */
@PublicEndpoint
@Path("/webhooks/crm")
public class CrmWebhookResource {

    private static final Pattern SIGNATURE = Pattern.compile("t=(\\d{1,12}),v1=([0-9a-f]{64})");

    private final CrmConfig config;
    private final CrmService crm;
    private final NurtureService nurture;
    private final ObjectMapper json;
    private final CrmEvents events;
    private final Validator validator;
    private final Clock clock;

    public CrmWebhookResource(CrmConfig config, CrmService crm, NurtureService nurture, CrmEvents events,
            dev.valjean.common.StrictJson strictJson, Validator validator,
            Clock clock) {
        this.config = config;
        this.crm = crm;
        this.nurture = nurture;
        this.json = strictJson.mapper();
        this.events = events;
        this.validator = validator;
        this.clock = clock;
    }

    @Operation(operationId = "receiveCrmEvent", summary = "Receive the CRM's signed events",
            description = "The CRM's signed events (Valjean-Signature: t=...,v1=HMAC-SHA256(secret, t.body)): account and opportunity upserts, replies, enrollments. Each event id is applied once; an older change of an opportunity than the last one applied is refused.")
    @APIResponse(responseCode = "200", description = "What was applied", content = @Content(mediaType = "application/json"))
    @APIResponse(responseCode = "409", description = "EVENT_REPLAYED, STALE_EVENT")
    @APIResponse(responseCode = "422", description = "EVENT_ID_REQUIRED, UNKNOWN_EVENT, UNKNOWN_FIELD, INVALID_EXTERNAL_ID, VALIDATION_FAILED (a field breaks a rule; errors[] names it)")
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response receive(@HeaderParam("Valjean-Signature") String signature, String body) {
        String secret = config.webhookSecret().orElseThrow(() -> ValjeanException.notFound("The CRM webhook"));
        long signedAt = verify(secret, signature, body);
        JsonNode event;
        try {
            event = json.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ValjeanException(400, "MALFORMED_JSON", "Bad request", "The body is not JSON.");
        }
        if (!event.isObject()) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "The body is an object {id, type, data, occurredAt?}.");
        }
        event.fieldNames().forEachRemaining(name -> {
            if (!List.of("id", "type", "data", "occurredAt").contains(name)) {
                throw ValjeanException.field("UNKNOWN_FIELD", name, "unknown field");
            }
        });
        String type = event.path("type").asText("");
        String eventId = event.path("id").isTextual() ? event.path("id").asText() : "";
        if (eventId.isBlank() || eventId.length() > 200 || StrictJson.forbidden(eventId, false) >= 0) {
            throw ValjeanException.field("EVENT_ID_REQUIRED", "id", "each event has a unique id (1 to 200 characters)");
        }
        if (events.seen(eventId)) {
            throw ValjeanException.conflict("EVENT_REPLAYED", "The event '" + eventId + "' was received before; nothing changed.");
        }
        Instant occurredAt = occurredAt(event, signedAt);
        Response answer = handle(type, event.path("data"), occurredAt);
        events.record(eventId, type);
        return answer;
    }

    private Response handle(String type, JsonNode data, Instant occurredAt) {
        switch (type) {
            case "account.upserted" -> {
                CrmResource.AccountRequest r = valid(read(data, CrmResource.AccountRequest.class));
                String id = externalId(data);
                CrmService.Upserted u = crm.putAccount(id, new CrmService.AccountData(r.name(), r.customer(), r.customerSince(),
                        r.industry(), r.employeeCount(), r.country()), occurredAt);
                return Response.ok(Map.of("type", type, "id", id, "created", u.created())).build();
            }
            case "opportunity.upserted" -> {
                CrmResource.OpportunityRequest r = valid(read(data, CrmResource.OpportunityRequest.class));
                String id = externalId(data);
                CrmService.Upserted u = crm.putOpportunity(id, CrmResource.opportunityData(r), occurredAt);
                return Response.ok(Map.of("type", type, "id", id, "created", u.created())).build();
            }
            case "contact.replied" -> {
                return Response.ok(Map.of("type", type, "endedEnrollments", nurture.replied(text(data, "email", 320)))).build();
            }
            case "enrollment.requested" -> {
                long sequence = data.path("sequence").asLong(0);
                String opportunity = data.hasNonNull("opportunity") ? text(data, "opportunity", 200) : null;
                long id = nurture.enroll(sequence, text(data, "email", 320), opportunity, null);
                return Response.status(201).entity(Map.of("type", type, "enrollment", id)).build();
            }
            default -> throw ValjeanException.invalid("UNKNOWN_EVENT", "Event types: account.upserted, opportunity.upserted, "
                    + "contact.replied, enrollment.requested.");
        }
    }

    /** When the change happened at the CRM: its occurredAt, else when it signed the event. */
    private Instant occurredAt(JsonNode event, long signedAt) {
        if (!event.has("occurredAt")) {
            return Instant.ofEpochSecond(signedAt);
        }
        try {
            Instant at = Instant.parse(event.path("occurredAt").asText());
            if (at.isAfter(clock.instant().plus(config.webhookTolerance()))) {
                throw ValjeanException.field("VALIDATION_FAILED", "occurredAt", "is in the future");
            }
            return at;
        } catch (java.time.format.DateTimeParseException e) {
            throw ValjeanException.field("VALIDATION_FAILED", "occurredAt", "an ISO-8601 instant such as 2026-03-01T10:00:00Z");
        }
    }

    /** Checks the signature and its age; returns the signed time (unix seconds). */
    private long verify(String secret, String header, String body) {
        Matcher m = header == null ? null : SIGNATURE.matcher(header.strip());
        if (m == null || !m.matches()) {
            throw ValjeanException.unauthorized("Sign the body: Valjean-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"t.body\">.");
        }
        long t = Long.parseLong(m.group(1));
        if (Math.abs(clock.instant().getEpochSecond() - t) > config.webhookTolerance().toSeconds()) {
            throw ValjeanException.unauthorized("The signature's timestamp is too far from now; check the sender's clock.");
        }
        String expected = Signing.webhookSignature(secret, t + "." + (body == null ? "" : body));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), m.group(2).getBytes(StandardCharsets.US_ASCII))) {
            throw ValjeanException.unauthorized("The signature does not match the body.");
        }
        return t;
    }

    /** The event's data as the API's request body: its {@code externalId} is the path of the API, not a field. */
    private <T> T read(JsonNode data, Class<T> type) {
        if (!data.isObject()) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "data must be an object.");
        }
        com.fasterxml.jackson.databind.node.ObjectNode fields = ((com.fasterxml.jackson.databind.node.ObjectNode) data).deepCopy();
        fields.remove("externalId");
        try {
            return json.treeToValue(fields, type);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw ValjeanException.invalid("UNKNOWN_FIELD", "data has no field '" + e.getPropertyName() + "' for this event type.");
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "data does not fit the event type (a field has the wrong type,"
                    + " value or characters).");
        }
    }

    private <T> T valid(T request) {
        Set<ConstraintViolation<T>> violations = validator.validate(request);
        if (!violations.isEmpty()) {
            ConstraintViolation<T> v = violations.iterator().next();
            throw ValjeanException.invalid("VALIDATION_FAILED", v.getPropertyPath() + ": " + v.getMessage());
        }
        return request;
    }

    private static String externalId(JsonNode data) {
        String id = data.path("externalId").asText("");
        if (!id.matches(CrmResource.EXTERNAL_ID)) {
            throw ValjeanException.invalid("INVALID_EXTERNAL_ID", "data.externalId is 1 to 200 letters, digits, '.', '_', ':' or '-'.");
        }
        return id;
    }

    private static String text(JsonNode data, String field, int max) {
        String value = data.path(field).isTextual() ? data.path(field).asText() : "";
        if (value.isBlank() || value.length() > max || StrictJson.forbidden(value, false) >= 0) {
            throw ValjeanException.invalid("VALIDATION_FAILED", "data." + field + " is required (at most " + max + " characters).");
        }
        return value;
    }
}
