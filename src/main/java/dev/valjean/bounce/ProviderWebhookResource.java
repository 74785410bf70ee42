package dev.valjean.bounce;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.transaction.Transactional;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.auth.PublicEndpoint;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import dev.valjean.delivery.BounceConfig;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Bounces, complaints and deliveries from sending providers, each verified the provider's way;
 * forged, unsigned or stale → 401 and nothing changes. Amazon SES through SNS (signature versions
 * 1 and 2, subscription confirmation), SendGrid's Event Webhook (ECDSA over timestamp and body),
 * Postmark (basic credentials), Mailgun (HMAC-SHA256 over timestamp and token; a token is good
 * once). An event delivered twice (a provider's retry) is applied once: each request is one
 * transaction, so an event is marked seen only together with its effects.
 */
@PublicEndpoint
@Path("/webhooks/bounces")
@Produces(MediaType.APPLICATION_JSON)
public class ProviderWebhookResource {

    public record Answer(String provider, int events, int recipients, boolean repeated) {
    }

    private final BounceService bounces;
    private final SnsMessages sns;
    private final BounceConfig config;
    private final Sql sql;
    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;

    public ProviderWebhookResource(BounceService bounces, SnsMessages sns, BounceConfig config, Sql sql, Clock clock) {
        this.bounces = bounces;
        this.sns = sns;
        this.config = config;
        this.sql = sql;
        this.clock = clock;
    }

    // ---- Amazon SES through SNS

    @Operation(operationId = "receiveSesNotification", summary = "Receive Amazon SES notifications through SNS",
            description = "Amazon SES bounce, complaint and delivery notifications through SNS: the SNS signature (version 1 or 2, certificate from an SNS host) is checked, subscription confirmations are followed, a repeated MessageId changes nothing.")
    @APIResponse(responseCode = "200", description = "What the report or events were found to say and what was applied", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Answer.class)))
    @APIResponse(responseCode = "422", description = "NOT_AN_SES_EVENT, SUBSCRIPTION_NOT_CONFIRMED")
    @POST
    @Path("/ses")
    @Consumes({ MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN })
    @Transactional
    public Answer ses(byte[] body) {
        if (!config.ses().enabled()) {
            throw ValjeanException.notFound("The SES webhook");
        }
        JsonNode m = read(body);
        if (!sns.verify(m)) {
            throw unauthorized("The SNS signature does not verify against an SNS signing certificate.");
        }
        fresh(Instant.parse(m.path("Timestamp").asText("1970-01-01T00:00:00Z")), config.ses().tolerance());
        String topic = m.path("TopicArn").asText("");
        if (config.ses().topicArns().isPresent() && !config.ses().topicArns().get().contains(topic)) {
            throw ValjeanException.forbidden("Notifications from topic " + topic + " are not taken here (valjean.bounces.ses.topic-arns).");
        }
        String type = m.path("Type").asText("");
        if (type.equals("SubscriptionConfirmation")) {
            if (!sns.confirm(m.path("SubscribeURL").asText(""))) {
                throw new ValjeanException(502, "SUBSCRIPTION_NOT_CONFIRMED", "Subscription not confirmed",
                        "Visiting the SubscribeURL failed; SNS will send the confirmation again.");
            }
            return new Answer("ses", 0, 0, false);
        }
        if (!type.equals("Notification")) {
            return new Answer("ses", 0, 0, false);
        }
        if (!firstTime("SES", m.path("MessageId").asText(""))) {
            return new Answer("ses", 1, 0, true);
        }
        SesEvents.Event e = SesEvents.read(m.path("Message").asText(""));
        if (e == null) {
            throw ValjeanException.invalid("NOT_AN_SES_EVENT", "The notification's Message is not an SES event.");
        }
        BounceService.Outcome o = bounces.receiveEvent(BounceService.Source.SES, body, e.findings(), e.messageId(), null);
        return new Answer("ses", 1, o.results().size(), o.repeated());
    }

    // ---- SendGrid Event Webhook

    @Operation(operationId = "receiveSendgridEvents", summary = "Receive SendGrid events (ECDSA-signed)",
            description = "SendGrid event webhook, ECDSA-signed with a timestamp (5 minutes); bounces, drops, spam reports and deliveries.")
    @APIResponse(responseCode = "200", description = "What the report or events were found to say and what was applied", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Answer.class)))
    @APIResponse(responseCode = "422", description = "NOT_A_LIST, MALFORMED_JSON")
    @POST
    @Path("/sendgrid")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public Answer sendgrid(@HeaderParam("X-Twilio-Email-Event-Webhook-Signature") String signature,
            @HeaderParam("X-Twilio-Email-Event-Webhook-Timestamp") String timestamp, byte[] body) {
        String key = config.sendgridPublicKey().orElseThrow(() -> ValjeanException.notFound("The SendGrid webhook"));
        if (signature == null || timestamp == null || !timestamp.matches("\\d{1,12}")) {
            throw unauthorized("SendGrid signs each request (X-Twilio-Email-Event-Webhook-Signature and -Timestamp).");
        }
        try {
            PublicKey publicKey = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(pem(key))));
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(publicKey);
            s.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            s.update(body);
            if (!s.verify(Base64.getDecoder().decode(signature.strip()))) {
                throw unauthorized("The SendGrid signature does not verify.");
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw unauthorized("The SendGrid signature does not verify.");
        }
        fresh(Instant.ofEpochSecond(Long.parseLong(timestamp)), config.webhookTolerance());
        JsonNode events = read(body);
        if (!events.isArray()) {
            throw ValjeanException.invalid("NOT_A_LIST", "SendGrid posts a JSON array of events.");
        }
        int events0 = 0;
        int recipients = 0;
        boolean repeated = false;
        for (JsonNode e : events) {
            events0++;
            String id = e.path("sg_event_id").asText("");
            if (!id.isEmpty() && !firstTime("SENDGRID", id)) {
                repeated = true;
                continue;
            }
            Optional<BounceParser.Finding> f = sendgridFinding(e);
            if (f.isPresent()) {
                BounceService.Outcome o = bounces.receiveEvent(BounceService.Source.SENDGRID, e.toString().getBytes(StandardCharsets.UTF_8),
                        List.of(f.get()), e.path("smtp-id").asText(null), null);
                recipients += o.results().size();
                repeated |= o.repeated();
            }
        }
        return new Answer("sendgrid", events0, recipients, repeated);
    }

    static Optional<BounceParser.Finding> sendgridFinding(JsonNode e) {
        String email = e.path("email").asText("").strip().toLowerCase(Locale.ROOT);
        if (email.isEmpty()) {
            return Optional.empty();
        }
        String status = ReasonRules.statusIn(e.path("status").asText(null));
        String reason = e.path("reason").asText(e.path("response").asText(""));
        return switch (e.path("event").asText("")) {
            case "bounce" -> {
                BounceReason r = ReasonRules.reason(reason, status);
                if (e.path("type").asText("").equals("blocked") && !r.aboutSender()) {
                    r = r.bounceClass() == BounceClass.HARD ? r : BounceReason.BLOCKED;
                }
                yield Optional.of(new BounceParser.Finding(email, r, status, reason));
            }
            case "deferred" -> {
                BounceReason r = ReasonRules.reason(reason, status);
                yield Optional.of(new BounceParser.Finding(email, r.bounceClass() == BounceClass.HARD ? BounceReason.ONHOLD : r, status, reason));
            }
            case "spamreport" -> Optional.of(new BounceParser.Finding(email, BounceReason.FEEDBACK, null, "spamreport"));
            case "delivered" -> Optional.of(new BounceParser.Finding(email, BounceReason.DELIVERED, status, reason));
            default -> Optional.empty();
        };
    }

    // ---- Postmark

    @Operation(operationId = "receivePostmarkEvents", summary = "Receive Postmark bounce events (basic credentials)",
            description = "Postmark bounce, spam-complaint and delivery webhooks, with the configured basic credentials.")
    @APIResponse(responseCode = "200", description = "What the report or events were found to say and what was applied", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Answer.class)))
    @APIResponse(responseCode = "422", description = "MALFORMED_JSON")
    @POST
    @Path("/postmark")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public Answer postmark(@HeaderParam("Authorization") String authorization, byte[] body) {
        String user = config.postmarkUser().orElseThrow(() -> ValjeanException.notFound("The Postmark webhook"));
        String password = config.postmarkPassword().orElseThrow(() -> ValjeanException.notFound("The Postmark webhook"));
        String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        if (authorization == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), authorization.strip().getBytes(StandardCharsets.UTF_8))) {
            throw unauthorized("Postmark's webhook carries the basic credentials set on it.");
        }
        JsonNode e = read(body);
        Optional<BounceParser.Finding> f = postmarkFinding(e);
        if (f.isEmpty()) {
            return new Answer("postmark", 1, 0, false);
        }
        BounceService.Outcome o = bounces.receiveEvent(BounceService.Source.POSTMARK, body, List.of(f.get()), null, null);
        return new Answer("postmark", 1, o.results().size(), o.repeated());
    }

    static Optional<BounceParser.Finding> postmarkFinding(JsonNode e) {
        String email = e.path("Email").asText(e.path("Recipient").asText("")).strip().toLowerCase(Locale.ROOT);
        if (email.isEmpty()) {
            return Optional.empty();
        }
        String details = e.path("Details").asText(e.path("Description").asText(""));
        String status = ReasonRules.statusIn(details);
        return switch (e.path("RecordType").asText("")) {
            case "SpamComplaint" -> Optional.of(new BounceParser.Finding(email, BounceReason.FEEDBACK, null, "SpamComplaint"));
            case "Delivery" -> Optional.of(new BounceParser.Finding(email, BounceReason.DELIVERED, null, details));
            case "Bounce" -> {
                BounceReason r = switch (e.path("Type").asText("")) {
                    case "HardBounce", "BadEmailAddress" -> {
                        BounceReason said = ReasonRules.reason(details, status);
                        yield said.bounceClass() == BounceClass.HARD || said.aboutSender() ? said : BounceReason.USERUNKNOWN;
                    }
                    case "SpamNotification", "SpamComplaint" -> BounceReason.FEEDBACK;
                    case "AutoResponder" -> BounceReason.VACATION;
                    case "Blocked", "ChallengeVerification" -> BounceReason.BLOCKED;
                    case "ContentRelated" -> BounceReason.CONTENTERROR;
                    case "DnsError" -> BounceReason.NETWORKERROR;
                    default -> {
                        BounceReason said = ReasonRules.reason(details, status);
                        yield said.bounceClass() == BounceClass.HARD ? BounceReason.ONHOLD : said;
                    }
                };
                yield Optional.of(new BounceParser.Finding(email, r, status, details.isEmpty() ? e.path("Type").asText("") : details));
            }
            default -> Optional.empty();
        };
    }

    // ---- Mailgun

    @Operation(operationId = "receiveMailgunEvents", summary = "Receive Mailgun events (HMAC-signed)",
            description = "Mailgun event webhooks, HMAC-signed with a timestamp (5 minutes) and a token good once.")
    @APIResponse(responseCode = "200", description = "What the report or events were found to say and what was applied", content = @Content(mediaType = "application/json", schema = @Schema(implementation = Answer.class)))
    @APIResponse(responseCode = "422", description = "MALFORMED_JSON")
    @POST
    @Path("/mailgun")
    @Consumes(MediaType.APPLICATION_JSON)
    @Transactional
    public Answer mailgun(byte[] body) {
        String key = config.mailgunSigningKey().orElseThrow(() -> ValjeanException.notFound("The Mailgun webhook"));
        JsonNode m = read(body);
        JsonNode sig = m.path("signature");
        String timestamp = sig.path("timestamp").asText("");
        String token = sig.path("token").asText("");
        String signature = sig.path("signature").asText("");
        if (!timestamp.matches("\\d{1,12}") || token.isEmpty() || token.length() > 200 || !signature.matches("[0-9a-f]{64}")) {
            throw unauthorized("Mailgun signs each event (signature.timestamp, .token, .signature).");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((timestamp + token).getBytes(StandardCharsets.UTF_8));
            if (!MessageDigest.isEqual(expected, HexFormat.of().parseHex(signature))) {
                throw unauthorized("The Mailgun signature does not verify.");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        fresh(Instant.ofEpochSecond(Long.parseLong(timestamp)), config.webhookTolerance());
        if (!firstTime("MAILGUN", token)) {
            // Mailgun's token is good once: the same signature again is a replay
            throw unauthorized("This Mailgun token was used before: a replay.");
        }
        JsonNode e = m.path("event-data");
        Optional<BounceParser.Finding> f = mailgunFinding(e);
        if (f.isEmpty()) {
            return new Answer("mailgun", 1, 0, false);
        }
        String messageId = e.path("message").path("headers").path("message-id").asText(null);
        BounceService.Outcome o = bounces.receiveEvent(BounceService.Source.MAILGUN, body, List.of(f.get()),
                messageId == null ? null : "<" + messageId.replaceAll("^<|>$", "") + ">", null);
        return new Answer("mailgun", 1, o.results().size(), o.repeated());
    }

    static Optional<BounceParser.Finding> mailgunFinding(JsonNode e) {
        String email = e.path("recipient").asText("").strip().toLowerCase(Locale.ROOT);
        if (email.isEmpty()) {
            return Optional.empty();
        }
        JsonNode ds = e.path("delivery-status");
        String words = ds.path("message").asText("") + " " + ds.path("description").asText("");
        String status = ReasonRules.statusIn(ds.path("enhanced-code").asText(words));
        return switch (e.path("event").asText("")) {
            case "failed" -> {
                BounceReason r = ReasonRules.reason(words, status);
                boolean permanent = e.path("severity").asText("").equals("permanent");
                if (!permanent && r.bounceClass() == BounceClass.HARD) {
                    r = BounceReason.ONHOLD;
                } else if (permanent && r == BounceReason.ONHOLD && e.path("reason").asText("").equals("bounce")) {
                    r = BounceReason.USERUNKNOWN;
                }
                yield Optional.of(new BounceParser.Finding(email, r, status, words.strip()));
            }
            case "complained" -> Optional.of(new BounceParser.Finding(email, BounceReason.FEEDBACK, null, "complained"));
            case "delivered" -> Optional.of(new BounceParser.Finding(email, BounceReason.DELIVERED, status, words.strip()));
            default -> Optional.empty();
        };
    }

    // ---- shared

    private JsonNode read(byte[] body) {
        try {
            JsonNode n = json.readTree(body);
            if (n == null) {
                throw new ValjeanException(400, "MALFORMED_JSON", "Bad request", "The body is not JSON.");
            }
            return n;
        } catch (java.io.IOException e) {
            throw new ValjeanException(400, "MALFORMED_JSON", "Bad request", "The body is not JSON.");
        }
    }

    /** Refuses a signed request older than the tolerance (or from the future beyond it): a replay. */
    private void fresh(Instant signedAt, Duration tolerance) {
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(tolerance)) || signedAt.isAfter(now.plus(tolerance))) {
            throw unauthorized("The signature's time is outside " + tolerance.toMinutes() + " minutes of now: a replay, or a wrong clock.");
        }
    }

    /** Records a provider's event id; false when it was seen before. Old ids go after a day. */
    private boolean firstTime(String provider, String id) {
        if (id.isEmpty() || id.length() > 200) {
            return true;
        }
        Instant now = clock.instant();
        sql.update("DELETE FROM provider_event_seen WHERE seen_at < ?", now.minus(Duration.ofDays(1)).minus(config.ses().tolerance()));
        return sql.update("INSERT INTO provider_event_seen (provider, event_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", provider, id,
                now) == 1;
    }

    private static String pem(String key) {
        return key.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    }

    private static ValjeanException unauthorized(String detail) {
        return ValjeanException.unauthorized(detail);
    }
}
