package dev.valjean.crm;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.auth.Role;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** The CRM pushes its changes and enrollments through one signed webhook, under the API's rules. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CrmWebhookTest {

    static final String SECRET = "test-crm-secret";

    @Inject
    TestData data;
    @Inject
    ObjectMapper json;
    @Inject
    dev.valjean.support.MutableClock clock;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void signed_events_upsert_the_crm_data_enroll_and_end_on_reply() throws Exception {
        send(Map.of("id", "a1", "type", "account.upserted", "data", Map.of("externalId", "acme", "name", "Acme", "customer", false)))
                .then().statusCode(200).body("created", equalTo(true));
        send(Map.of("id", "o1", "type", "opportunity.upserted", "data", Map.of("externalId", "acme-1", "account", "acme", "name", "Pilot",
                "status", "OPEN", "contacts", List.of(Map.of("email", "buyer@acme.example", "timeZone", "Europe/Berlin")))))
                .then().statusCode(200);
        assertEquals("Europe/Berlin", data.text("SELECT time_zone FROM contact WHERE email = 'buyer@acme.example'"));
        int sequence = given().auth().oauth2(data.token(Role.SALES)).contentType(ContentType.JSON).body(Map.of("name", "Pilot",
                "purpose", "SALES_ACCELERATION", "steps", List.of(Map.of("delayHours", 1, "subject", "Hi", "body", "Hello."))))
                .post("/api/v1/sequences").then().statusCode(201).extract().path("id");

        send(Map.of("id", "en1", "type", "enrollment.requested", "data", Map.of("sequence", sequence, "email", "stranger@elsewhere.example",
                "opportunity", "acme-1"))).then().statusCode(422).body("code", equalTo("NOT_ON_OPPORTUNITY"));
        send(Map.of("id", "en2", "type", "enrollment.requested", "data", Map.of("sequence", sequence, "email", "buyer@acme.example",
                "opportunity", "acme-1"))).then().statusCode(201);
        send(Map.of("id", "r1", "type", "contact.replied", "data", Map.of("email", "buyer@acme.example"))).then().statusCode(200)
                .body("endedEnrollments", equalTo(1));
        assertEquals("REPLIED", data.text("SELECT ended_reason FROM enrollment"));
    }

    @Test
    void unsigned_forged_stale_or_malformed_events_change_nothing() throws Exception {
        clock.freeze(Instant.parse("2026-06-01T10:00:00Z"));
        long now = clock.instant().getEpochSecond();
        String body = json.writeValueAsString(Map.of("id", "evt-1", "type", "account.upserted", "data",
                Map.of("externalId", "x", "name", "X", "customer", true)));
        post(body, null).then().statusCode(401).contentType("application/problem+json");
        post(body, "t=" + now + ",v1=" + hmac("wrong-secret", now + "." + body)).then().statusCode(401);
        post(body.replace("true", "false"), "t=" + now + ",v1=" + hmac(SECRET, now + "." + body)).then().statusCode(401);
        long window = 300;
        for (long t : new long[] { now - window - 1, now + window + 1, now + 3600, now - 3600 }) {
            post(body, "t=" + t + ",v1=" + hmac(SECRET, t + "." + body)).then().statusCode(401);
        }
        assertEquals(0L, data.count("SELECT count(*) FROM account"));

        send(Map.of("id", "e2", "type", "account.deleted", "data", Map.of())).then().statusCode(422)
                .body("code", equalTo("UNKNOWN_EVENT"));
        send(Map.of("id", "e3", "type", "account.upserted", "data", Map.of("externalId", "x"))).then().statusCode(422)
                .body("code", equalTo("VALIDATION_FAILED"));
        send(Map.of("id", "e4", "type", "opportunity.upserted", "data", Map.of("externalId", "o", "account", "x", "name", "O",
                "status", "MAYBE"))).then().statusCode(422);
        send(Map.of("type", "account.upserted", "data", Map.of("externalId", "x", "name", "X", "customer", true)))
                .then().statusCode(422).body("code", equalTo("EVENT_ID_REQUIRED"));
        send(Map.of("id", "e5", "type", "account.upserted", "data", Map.of("externalId", "x", "name", "X", "customer", true,
                "colour", "red"))).then().statusCode(422).body("code", equalTo("UNKNOWN_FIELD"));
        post("{not json", sign("{not json")).then().statusCode(400).body("code", equalTo("MALFORMED_JSON"));
        assertEquals(0L, data.count("SELECT count(*) FROM account"));
        assertEquals(0L, data.count("SELECT count(*) FROM opportunity"));
    }

    @Test
    void a_signature_at_the_edge_of_the_window_is_accepted_on_both_sides() throws Exception {
        clock.freeze(Instant.parse("2026-06-01T10:00:00Z"));
        long now = clock.instant().getEpochSecond();
        for (long t : new long[] { now - 300, now + 300 }) {
            String body = json.writeValueAsString(Map.of("id", "edge-" + t, "type", "account.upserted", "data",
                    Map.of("externalId", "edge", "name", "Edge", "customer", false)));
            post(body, "t=" + t + ",v1=" + hmac(SECRET, t + "." + body)).then().statusCode(200);
        }
    }

    @Test
    void a_replayed_event_changes_nothing_and_an_older_upsert_cannot_reopen_a_closed_deal() throws Exception {
        send(Map.of("id", "acc-1", "type", "account.upserted", "data", Map.of("externalId", "acme", "name", "Acme",
                "customer", false))).then().statusCode(200);
        Map<String, Object> open = Map.of("id", "opp-open", "type", "opportunity.upserted", "occurredAt", "2026-01-10T09:00:00Z",
                "data", Map.of("externalId", "deal", "account", "acme", "name", "Deal", "status", "OPEN",
                        "contacts", List.of(Map.of("email", "buyer@acme.example"))));
        send(open).then().statusCode(200);
        send(Map.of("id", "opp-won", "type", "opportunity.upserted", "occurredAt", "2026-01-12T09:00:00Z",
                "data", Map.of("externalId", "deal", "account", "acme", "name", "Deal", "status", "WON",
                        "contacts", List.of(Map.of("email", "buyer@acme.example"))))).then().statusCode(200);

        // The same signed "open" event again (a replay), and an older "open" with a new id: neither reopens the deal.
        send(open).then().statusCode(409).body("code", equalTo("EVENT_REPLAYED"));
        send(Map.of("id", "opp-open-late", "type", "opportunity.upserted", "occurredAt", "2026-01-11T09:00:00Z",
                "data", Map.of("externalId", "deal", "account", "acme", "name", "Deal", "status", "OPEN",
                        "contacts", List.of()))).then().statusCode(409).body("code", equalTo("STALE_EVENT"));
        assertEquals("WON", data.text("SELECT status FROM opportunity WHERE external_id = 'deal'"));
        assertEquals(1L, data.count("SELECT count(*) FROM opportunity_contact"), "the committee did not change either");
    }

    private Response send(Map<String, Object> event) throws Exception {
        String body = json.writeValueAsString(event);
        return post(body, sign(body));
    }

    /** Signed here with the JDK's HMAC, not with the application's own signer. */
    private String sign(String body) {
        long t = clock.instant().getEpochSecond();
        return "t=" + t + ",v1=" + hmac(SECRET, t + "." + body);
    }

    private static String hmac(String secret, String payload) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            return java.util.HexFormat.of().formatHex(mac.doFinal(payload.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Response post(String body, String signature) {
        var request = given().contentType(ContentType.JSON).body(body);
        if (signature != null) {
            request = request.header("Valjean-Signature", signature);
        }
        return request.post("/webhooks/crm");
    }
}
