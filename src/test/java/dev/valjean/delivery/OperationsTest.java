package dev.valjean.delivery;

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
        data.enqueue("metrics@example.com", 1, "metrics:sent");
        data.enqueueListMail("metrics-skip@example.com", 2, "metrics:skip");
        suppressions.suppress(EmailAddress.parse("metrics-skip@example.com"), SuppressionReason.GLOBAL_OPT_OUT, null);
        dispatcher.drain("test");

        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("valjean_outbox_sent_total{purpose=\"TRANSACTIONAL\"}"))
                .body(containsString("valjean_outbox_skipped_total{reason=\"SUPPRESSED_GLOBAL_OPT_OUT\"}"))
                .body(containsString("valjean_outbox_enqueued_total"))
                .body(containsString("valjean_outbox_submit_seconds_count"))
                .body(containsString("valjean_outbox_retries_total"))
                .body(containsString("valjean_outbox_queued"));
    }
}
