package dev.valjean.delivery;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.common.EmailAddress;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OperationsTest {

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    SuppressionService suppressions;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void readiness_reports_the_database_and_the_smtp_relay() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("SMTP relay"))
                .body("checks.find { it.name == 'SMTP relay' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'SMTP relay' }.data.dkim", containsString("test._domainkey.valjean.test"))
                .body("checks.name", hasItem(containsString("Database")));
    }

    @Test
    void metrics_count_sent_skipped_by_reason_and_submission_latency() {
        String sent = "valjean_outbox_sent_total{purpose=\"TRANSACTIONAL\"}";
        String skipped = "valjean_outbox_skipped_total{reason=\"SUPPRESSED_GLOBAL_OPT_OUT\"}";
        String latency = "valjean_outbox_submit_seconds_count";
        String enqueued = "valjean_outbox_enqueued_total{purpose=\"TRANSACTIONAL\"}";
        Map<String, Double> before = metrics();
        data.enqueue("metrics@example.com", 1, "metrics:sent");
        data.enqueue("metrics2@example.com", 3, "metrics:sent2");
        data.enqueueListMail("metrics-skip@example.com", 2, "metrics:skip");
        suppressions.suppress(EmailAddress.parse("metrics-skip@example.com"), SuppressionReason.GLOBAL_OPT_OUT, null);
        dispatcher.drain("test");

        given().get("/q/metrics").then().statusCode(401);
        Map<String, Double> after = metrics();
        assertEquals(2.0, after.get(sent) - before.getOrDefault(sent, 0.0), "two sent");
        assertEquals(1.0, after.get(skipped) - before.getOrDefault(skipped, 0.0), "one skipped for the opt-out");
        assertEquals(2.0, after.get(latency) - before.getOrDefault(latency, 0.0), "two submissions timed");
        assertEquals(2.0, after.get(enqueued) - before.getOrDefault(enqueued, 0.0), "two transactional enqueued");
        assertTrue(after.containsKey("valjean_outbox_queued"), after.keySet().toString());
    }

    /** The Prometheus text as name{labels} to value. */
    private static Map<String, Double> metrics() {
        String text = given().auth().oauth2(dev.valjean.support.TestData.ADMIN).get("/q/metrics").then().statusCode(200)
                .extract().asString();
        Map<String, Double> values = new java.util.HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
        }
        return values;
    }
}
