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
import dev.valjean.common.Signing;
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

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void signed_events_upsert_the_crm_data_enroll_and_end_on_reply() throws Exception {
        send(Map.of("type", "account.upserted", "data", Map.of("externalId", "acme", "name", "Acme", "customer", false)))
                .then().statusCode(200).body("created", equalTo(true));
        send(Map.of("type", "opportunity.upserted", "data", Map.of("externalId", "acme-1", "account", "acme", "name", "Pilot",
                "status", "OPEN", "contacts", List.of(Map.of("email", "buyer@acme.example", "timeZone", "Europe/Berlin")))))
                .then().statusCode(200);
        assertEquals("Europe/Berlin", data.text("SELECT time_zone FROM contact WHERE email = 'buyer@acme.example'"));
        int sequence = given().auth().oauth2(data.token(Role.SALES)).contentType(ContentType.JSON).body(Map.of("name", "Pilot",
                "purpose", "SALES_ACCELERATION", "steps", List.of(Map.of("delayHours", 1, "subject", "Hi", "body", "Hello."))))
                .post("/api/v1/sequences").then().statusCode(201).extract().path("id");

        send(Map.of("type", "enrollment.requested", "data", Map.of("sequence", sequence, "email", "stranger@elsewhere.example",
                "opportunity", "acme-1"))).then().statusCode(422).body("code", equalTo("NOT_ON_OPPORTUNITY"));
        send(Map.of("type", "enrollment.requested", "data", Map.of("sequence", sequence, "email", "buyer@acme.example",
                "opportunity", "acme-1"))).then().statusCode(201);
        send(Map.of("type", "contact.replied", "data", Map.of("email", "buyer@acme.example"))).then().statusCode(200)
                .body("endedEnrollments", equalTo(1));
        assertEquals("REPLIED", data.text("SELECT ended_reason FROM enrollment"));
    }

    @Test
    void unsigned_forged_stale_or_malformed_events_change_nothing() throws Exception {
        String body = json.writeValueAsString(Map.of("type", "account.upserted", "data", Map.of("externalId", "x", "name", "X",
                "customer", true)));
        long now = Instant.now().getEpochSecond();
        post(body, null).then().statusCode(401).contentType("application/problem+json");
        post(body, "t=" + now + ",v1=" + Signing.webhookSignature("wrong-secret", now + "." + body)).then().statusCode(401);
        post(body.replace("true", "false"), "t=" + now + ",v1=" + Signing.webhookSignature(SECRET, now + "." + body))
                .then().statusCode(401);
        long stale = now - 3600;
        post(body, "t=" + stale + ",v1=" + Signing.webhookSignature(SECRET, stale + "." + body)).then().statusCode(401);
        assertEquals(0L, data.count("SELECT count(*) FROM account"));

        send(Map.of("type", "account.deleted", "data", Map.of())).then().statusCode(422).body("code", equalTo("UNKNOWN_EVENT"));
        send(Map.of("type", "account.upserted", "data", Map.of("externalId", "x"))).then().statusCode(422)
                .body("code", equalTo("VALIDATION_FAILED"));
        send(Map.of("type", "opportunity.upserted", "data", Map.of("externalId", "o", "account", "x", "name", "O", "status",
                "MAYBE"))).then().statusCode(422);
        post("{not json", sign("{not json")).then().statusCode(400).body("code", equalTo("MALFORMED_JSON"));
        assertEquals(0L, data.count("SELECT count(*) FROM account"));
        assertEquals(0L, data.count("SELECT count(*) FROM opportunity"));
    }

    private Response send(Map<String, Object> event) throws Exception {
        String body = json.writeValueAsString(event);
        return post(body, sign(body));
    }

    private static String sign(String body) {
        long t = Instant.now().getEpochSecond();
        return "t=" + t + ",v1=" + Signing.webhookSignature(SECRET, t + "." + body);
    }

    private static Response post(String body, String signature) {
        var request = given().contentType(ContentType.JSON).body(body);
        if (signature != null) {
            request = request.header("Valjean-Signature", signature);
        }
        return request.post("/webhooks/crm");
    }
}
