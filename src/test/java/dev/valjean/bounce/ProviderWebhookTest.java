package dev.valjean.bounce;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.delivery.Dispatcher;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.support.MutableClock;
import dev.valjean.support.ProviderKeys;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.TestSnsWeb;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Each provider's webhook: a valid signature applies, a forged one is refused and changes nothing, a replay is refused. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@QuarkusTestResource(ProviderKeys.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ProviderWebhookTest {

    static final String CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem";
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    MutableClock clock;
    @Inject
    TestSnsWeb web;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        web.visited.clear();
        web.served.put(URI.create(CERT_URL), ("-----BEGIN CERTIFICATE-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(ProviderKeys.snsCertificate.getEncoded())
                + "\n-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void amazon_ses_through_sns_confirms_its_subscription_and_applies_signed_notifications_version_1_and_2() throws Exception {
        OutboxMessage sent = data.enqueue("ann@example.com", 1, "hello:ann");
        dispatcher.drain("t");
        String messageId = data.messageIdOf("o.id = " + sent.id);

        Map<String, String> confirm = sns("SubscriptionConfirmation", "You have chosen to subscribe to the topic.", "1");
        confirm.put("SubscribeURL", "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc");
        confirm.put("Token", "abc");
        web.served.put(URI.create(confirm.get("SubscribeURL")), "<ConfirmSubscriptionResponse/>".getBytes(StandardCharsets.US_ASCII));
        postSes(signSns(confirm)).then().statusCode(200);
        assertEquals(List.of(URI.create(CERT_URL), URI.create("https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc")),
                web.visited, "the certificate was fetched and the subscription confirmed");

        String bounce = JSON.writeValueAsString(Map.of("notificationType", "Bounce",
                "bounce", Map.of("bounceType", "Permanent", "bounceSubType", "General", "bouncedRecipients",
                        List.of(Map.of("emailAddress", "ann@example.com", "status", "5.1.1", "diagnosticCode", "smtp; 550 5.1.1 user unknown"))),
                "mail", Map.of("messageId", "0100-ses-id", "commonHeaders", Map.of("messageId", messageId))));
        Map<String, String> forged = signSns(sns("Notification", bounce, "2"));
        forged.put("Message", bounce.replace("ann@", "bob@"));
        postSes(forged).then().statusCode(401).body("code", equalTo("UNAUTHORIZED"));
        Map<String, String> elsewhere = sns("Notification", bounce, "2");
        elsewhere.put("SigningCertURL", "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem");
        postSes(signSns(elsewhere)).then().statusCode(401);
        assertEquals(0, data.count("SELECT count(*) FROM suppression") + data.count("SELECT count(*) FROM bounce_event"), "nothing changed");

        Map<String, String> valid = signSns(sns("Notification", bounce, "2"));
        postSes(valid).then().statusCode(200).body("recipients", equalTo(1));
        assertEquals("HARD_BOUNCE", data.text("SELECT reason FROM suppression"));
        assertEquals("MESSAGE_ID SES", data.text("SELECT attributed_by || ' ' || source FROM bounce_event"));
        postSes(valid).then().statusCode(200).body("repeated", equalTo(true));
        assertEquals(1, data.count("SELECT count(*) FROM bounce_event"), "SNS redelivering the same message changes nothing");

        Map<String, String> complaint = sns("Notification", JSON.writeValueAsString(Map.of("notificationType", "Complaint",
                "complaint", Map.of("complaintFeedbackType", "abuse", "complainedRecipients", List.of(Map.of("emailAddress", "ann@example.com"))),
                "mail", Map.of("commonHeaders", Map.of("messageId", messageId)))), "1");
        complaint.put("Timestamp", clock.instant().minus(Duration.ofHours(2)).toString());
        postSes(signSns(complaint)).then().statusCode(401);
        assertEquals(0, data.count("SELECT count(*) FROM suppression WHERE reason = 'COMPLAINT'"), "a replayed old message is refused");
        complaint.put("Timestamp", clock.instant().toString());
        postSes(signSns(complaint)).then().statusCode(200);
        assertEquals(1, data.count("SELECT count(*) FROM suppression WHERE reason = 'COMPLAINT'"), "signature version 1 holds too");
    }

    @Test
    void sendgrid_events_are_verified_with_ecdsa_over_timestamp_and_body() throws Exception {
        data.enqueue("bob@example.com", 1, "hello:bob");
        data.enqueue("cat@example.com", 1, "hello:cat");
        dispatcher.drain("t");
        byte[] body = JSON.writeValueAsBytes(List.of(
                Map.of("email", "bob@example.com", "event", "bounce", "type", "bounce", "status", "5.1.1", "reason", "550 5.1.1 user unknown",
                        "sg_event_id", "ev-1", "timestamp", 1),
                Map.of("email", "cat@example.com", "event", "spamreport", "sg_event_id", "ev-2", "timestamp", 1)));
        String t = String.valueOf(clock.instant().getEpochSecond());

        postSendgrid(null, t, body).then().statusCode(401);
        byte[] altered = new String(body, StandardCharsets.UTF_8).replace("bob@", "dan@").getBytes(StandardCharsets.UTF_8);
        postSendgrid(ecdsa(t, body), t, altered).then().statusCode(401).body("code", equalTo("UNAUTHORIZED"));
        String old = String.valueOf(clock.instant().minus(Duration.ofMinutes(10)).getEpochSecond());
        postSendgrid(ecdsa(old, body), old, body).then().statusCode(401);
        assertEquals(0, data.count("SELECT count(*) FROM suppression") + data.count("SELECT count(*) FROM bounce_event"), "nothing changed");

        postSendgrid(ecdsa(t, body), t, body).then().statusCode(200).body("recipients", equalTo(2));
        assertEquals("COMPLAINT HARD_BOUNCE", data.text("SELECT string_agg(reason, ' ' ORDER BY reason) FROM suppression"));
        postSendgrid(ecdsa(t, body), t, body).then().statusCode(200).body("repeated", equalTo(true));
        assertEquals(2, data.count("SELECT count(*) FROM bounce_event"), "a retried delivery applies nothing twice");
    }

    @Test
    void postmark_needs_its_basic_credentials() throws Exception {
        data.enqueue("dan@example.com", 1, "hello:dan");
        dispatcher.drain("t");
        byte[] body = JSON.writeValueAsBytes(Map.of("RecordType", "Bounce", "Type", "HardBounce", "TypeCode", 1, "Email", "dan@example.com",
                "Details", "smtp;550 5.1.1 The email account that you tried to reach does not exist", "BouncedAt", "2026-12-02T10:00:00Z"));
        given().contentType("application/json").body(body).post("/webhooks/bounces/postmark").then().statusCode(401);
        given().auth().preemptive().basic(ProviderKeys.POSTMARK_USER, "wrong").contentType("application/json").body(body)
                .post("/webhooks/bounces/postmark").then().statusCode(401);
        assertEquals(0, data.count("SELECT count(*) FROM bounce_event"));
        given().auth().preemptive().basic(ProviderKeys.POSTMARK_USER, ProviderKeys.POSTMARK_PASSWORD).contentType("application/json").body(body)
                .post("/webhooks/bounces/postmark").then().statusCode(200).body("recipients", equalTo(1));
        assertEquals("HARD_BOUNCE", data.text("SELECT reason FROM suppression"));
        given().auth().preemptive().basic(ProviderKeys.POSTMARK_USER, ProviderKeys.POSTMARK_PASSWORD).contentType("application/json").body(body)
                .post("/webhooks/bounces/postmark").then().statusCode(200).body("repeated", equalTo(true));
        assertEquals(1, data.count("SELECT count(*) FROM bounce_event"));
    }

    @Test
    void mailgun_events_carry_an_hmac_over_timestamp_and_token_and_a_token_is_good_once() throws Exception {
        OutboxMessage sent = data.enqueue("eve@example.com", 1, "hello:eve");
        dispatcher.drain("t");
        String messageId = data.messageIdOf("o.id = " + sent.id);
        String t = String.valueOf(clock.instant().getEpochSecond());
        Map<String, Object> event = Map.of("event", "failed", "severity", "permanent", "reason", "bounce", "recipient", "eve@example.com",
                "message", Map.of("headers", Map.of("message-id", messageId.replaceAll("[<>]", ""))),
                "delivery-status", Map.of("code", 550, "message", "5.1.1 The email account that you tried to reach does not exist"));

        postMailgun(Map.of("signature", Map.of("timestamp", t, "token", "tok-1", "signature", hmac(t, "tok-2")), "event-data", event))
                .then().statusCode(401);
        String old = String.valueOf(clock.instant().minus(Duration.ofHours(1)).getEpochSecond());
        postMailgun(Map.of("signature", Map.of("timestamp", old, "token", "tok-0", "signature", hmac(old, "tok-0")), "event-data", event))
                .then().statusCode(401);
        assertEquals(0, data.count("SELECT count(*) FROM bounce_event"), "nothing changed");

        Map<String, Object> signed = Map.of("signature", Map.of("timestamp", t, "token", "tok-1", "signature", hmac(t, "tok-1")), "event-data", event);
        postMailgun(signed).then().statusCode(200).body("recipients", equalTo(1));
        assertEquals("HARD_BOUNCE MESSAGE_ID", data.text("SELECT s.reason || ' ' || b.attributed_by FROM suppression s, bounce_event b"));
        postMailgun(signed).then().statusCode(401).body("code", equalTo("UNAUTHORIZED"));
        assertEquals(1, data.count("SELECT count(*) FROM bounce_event"), "the replayed token changed nothing");
        assertTrue(data.count("SELECT count(*) FROM provider_event_seen WHERE provider = 'MAILGUN'") == 1);
    }

    // ---- helpers

    private Map<String, String> sns(String type, String message, String version) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Type", type);
        m.put("MessageId", "msg-" + Integer.toHexString((type + message + version).hashCode()));
        m.put("TopicArn", "arn:aws:sns:eu-west-1:123456789012:valjean-bounces");
        m.put("Message", message);
        m.put("Timestamp", clock.instant().toString());
        m.put("SignatureVersion", version);
        m.put("SigningCertURL", CERT_URL);
        return m;
    }

    /** Signs as SNS does: the canonical string of the message's fields, RSA with SHA-1 (version 1) or SHA-256 (version 2). */
    private Map<String, String> signSns(Map<String, String> m) throws Exception {
        Signature s = Signature.getInstance(m.get("SignatureVersion").equals("1") ? "SHA1withRSA" : "SHA256withRSA");
        s.initSign(ProviderKeys.sns.getPrivate());
        List<String> fields = m.get("Type").equals("Notification") ? List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
                : List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");
        StringBuilder canonical = new StringBuilder();
        for (String f : fields) {
            if (m.containsKey(f)) {
                canonical.append(f).append('\n').append(m.get(f)).append('\n');
            }
        }
        s.update(canonical.toString().getBytes(StandardCharsets.UTF_8));
        Map<String, String> signed = new LinkedHashMap<>(m);
        signed.put("Signature", Base64.getEncoder().encodeToString(s.sign()));
        return signed;
    }

    private Response postSes(Map<String, String> m) throws Exception {
        // SNS posts JSON with Content-Type text/plain
        return given().contentType("text/plain; charset=UTF-8").body(JSON.writeValueAsBytes(m)).post("/webhooks/bounces/ses");
    }

    private static String ecdsa(String timestamp, byte[] body) throws Exception {
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(ProviderKeys.sendgrid.getPrivate());
        s.update(timestamp.getBytes(StandardCharsets.US_ASCII));
        s.update(body);
        return Base64.getEncoder().encodeToString(s.sign());
    }

    private Response postSendgrid(String signature, String timestamp, byte[] body) {
        var r = given().contentType("application/json").header("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        if (signature != null) {
            r = r.header("X-Twilio-Email-Event-Webhook-Signature", signature);
        }
        return r.body(body).post("/webhooks/bounces/sendgrid");
    }

    private static String hmac(String timestamp, String token) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(ProviderKeys.MAILGUN_KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal((timestamp + token).getBytes(StandardCharsets.UTF_8)));
    }

    private Response postMailgun(Map<String, Object> body) throws Exception {
        return given().contentType("application/json").body(JSON.writeValueAsBytes(body)).post("/webhooks/bounces/mailgun");
    }
}
