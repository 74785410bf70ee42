package dev.valjean.form;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.sales.SalesWebhook;
import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import dev.valjean.support.WebhookReceiver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SalesRequestTest {

    @Inject
    TestData data;
    @Inject
    SalesWebhook webhook;
    @Inject
    MutableClock clock;

    String form;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        form = given().auth().oauth2(data.token(Role.EDITOR)).contentType(ContentType.JSON)
                .body(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo")).post("/api/v1/forms")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void a_demo_request_from_an_icp_fit_reaches_the_crm_webhook_with_a_valid_signature() throws Exception {
        ask("203.0.113.70", "cto@fit.example", "Software", "400", "DE");
        assertEquals(1, webhook.postDue());

        assertEquals(1, SmtpServers.webhooks.received.size());
        WebhookReceiver.Received post = SmtpServers.webhooks.received.get(0);
        assertEquals("sales_request.qualified", post.event());
        String[] parts = post.signature().split(",");
        String t = parts[0].substring(2);
        String expected = hmac("test-webhook-secret", t + "." + post.body());
        assertEquals("v1=" + expected, parts[1], "the receiver can verify the body with the shared secret");
        assertTrue(post.body().contains("\"email\":\"cto@fit.example\""), post.body());
        assertTrue(post.body().contains("\"qualified\":true"), post.body());
        assertEquals(0, webhook.postDue(), "posted once");
        given().auth().oauth2(data.token(Role.SALES)).get("/api/v1/sales-requests").then().statusCode(200)
                .body("$", hasSize(1)).body("[0].qualified", equalTo(true)).body("[0].webhookStatus", equalTo("POSTED"));
    }

    @Test
    void a_request_from_outside_the_icp_is_recorded_but_not_posted() throws Exception {
        ask("203.0.113.71", "student@small.example", "Software", "3", "DE");
        ask("203.0.113.72", "buyer@elsewhere.example", "Retail", "5000", "US");
        assertEquals(0, webhook.postDue());
        assertTrue(SmtpServers.webhooks.received.isEmpty());
        assertEquals(2L, data.count("SELECT count(*) FROM sales_request WHERE NOT qualified AND webhook_status = 'NOT_POSTED'"));
        assertTrue(data.text("SELECT fit_reasons FROM sales_request ORDER BY id LIMIT 1").contains("employees do not fit"));
    }

    @Test
    void a_failing_webhook_is_retried_later_and_the_request_is_not_lost() throws Exception {
        SmtpServers.webhooks.failNext.set(1);
        ask("203.0.113.73", "cfo@fit.example", "Machinery", "120", "FR");
        assertEquals(0, webhook.postDue());
        assertEquals("PENDING", data.text("SELECT webhook_status FROM sales_request"));
        assertEquals(0, webhook.postDue(), "not before the backoff");
        clock.advance(java.time.Duration.ofMinutes(5));
        assertEquals(1, webhook.postDue());
        assertEquals(2, SmtpServers.webhooks.received.size());
        assertEquals("POSTED", data.text("SELECT webhook_status FROM sales_request"));
    }

    private void ask(String ip, String email, String industry, String employees, String country) {
        Visitor v = new Visitor(ip);
        Map<String, Object> body = new HashMap<>(Map.of("email", email, "industry", industry, "employees", employees,
                "country", country, "altcha", v.solvedChallenge()));
        v.request().contentType(ContentType.JSON).body(body).post("/forms/" + form).then().statusCode(202);
    }

    private static String hmac(String key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    }
}
