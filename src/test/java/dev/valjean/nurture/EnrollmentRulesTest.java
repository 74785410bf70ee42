package dev.valjean.nurture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Item 4's rule table: who may be enrolled, and the code for everyone who may not. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EnrollmentRulesTest {

    @Inject
    TestData data;

    String sales;
    int acceleration;
    int customerSuccess;

    @BeforeEach
    void world() throws Exception {
        data.reset();
        sales = data.token(Role.SALES);
        put("/api/v1/accounts/prospect", Map.of("name", "Prospect AG", "customer", false));
        put("/api/v1/accounts/client", Map.of("name", "Client SA", "customer", true, "customerSince", "2025-01-01"));
        put("/api/v1/opportunities/open-deal", Map.of("account", "prospect", "name", "Open deal", "status", "OPEN",
                "contacts", List.of(Map.of("email", "champion@prospect.example"), Map.of("email", "leaver@prospect.example"),
                        Map.of("email", "optout@prospect.example"), Map.of("email", "bounced@prospect.example"))));
        put("/api/v1/opportunities/won-deal", Map.of("account", "prospect", "name", "Won deal", "status", "WON",
                "contacts", List.of(Map.of("email", "champion@prospect.example"))));
        put("/api/v1/opportunities/client-renewal", Map.of("account", "client", "name", "Renewal", "status", "WON",
                "contacts", List.of(Map.of("email", "user@client.example"))));
        admin("/api/v1/suppressions", Map.of("email", "optout@prospect.example", "reason", "GLOBAL_OPT_OUT"));
        admin("/api/v1/suppressions", Map.of("email", "bounced@prospect.example", "reason", "HARD_BOUNCE"));
        acceleration = sequence("Deal follow-up", "SALES_ACCELERATION");
        customerSuccess = sequence("Onboarding", "CUSTOMER_SUCCESS");
    }

    @Test
    void every_row_of_the_rule_table() throws Exception {
        enroll(acceleration, "champion@prospect.example", "open-deal").then().statusCode(201).body("status", equalTo("ACTIVE"));
        refused(enroll(acceleration, "champion@prospect.example", "won-deal"), "NO_OPEN_OPPORTUNITY");
        refused(enroll(acceleration, "champion@prospect.example", "no-such-deal"), "NO_OPEN_OPPORTUNITY");
        refused(enroll(acceleration, "champion@prospect.example", null), "NO_OPEN_OPPORTUNITY");
        refused(enroll(acceleration, "stranger@elsewhere.example", "open-deal"), "NOT_ON_OPPORTUNITY");
        refused(enroll(acceleration, "user@client.example", "open-deal"), "NOT_ON_OPPORTUNITY");
        refused(enroll(acceleration, "optout@prospect.example", "open-deal"), "OPTED_OUT");
        refused(enroll(acceleration, "bounced@prospect.example", "open-deal"), "SUPPRESSED");

        enroll(customerSuccess, "user@client.example", null).then().statusCode(201);
        refused(enroll(customerSuccess, "champion@prospect.example", null), "NOT_A_CUSTOMER");
        refused(enroll(customerSuccess, "stranger@elsewhere.example", null), "NOT_A_CUSTOMER");

        enroll(acceleration, "champion@prospect.example", "open-deal").then().statusCode(409).body("code", equalTo("ALREADY_ENROLLED"));
        assertEquals(2L, data.count("SELECT count(*) FROM enrollment"));
        given().auth().oauth2(sales).get("/api/v1/enrollments?opportunity=open-deal").then().statusCode(200)
                .body("$", hasSize(1)).body("[0].email", equalTo("champion@prospect.example"));
    }

    @Test
    void two_enrollments_at_once_make_one() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Integer>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(pool.submit(() -> enroll(acceleration, "champion@prospect.example", "open-deal").statusCode()));
            }
            List<Integer> codes = new java.util.ArrayList<>();
            for (var call : calls) {
                codes.add(call.get(30, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertEquals(1, codes.stream().filter(c -> c == 201).count(), "codes " + codes);
            assertEquals(7, codes.stream().filter(c -> c == 409).count(), "codes " + codes);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1L, data.count("SELECT count(*) FROM enrollment"));
    }

    @Test
    void editors_write_sequences_but_only_sales_enrolls() {
        String editor = data.token(Role.EDITOR);
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("email", "champion@prospect.example",
                "opportunity", "open-deal")).post("/api/v1/sequences/" + acceleration + "/enrollments").then().statusCode(403);
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("name", "X", "purpose", "CUSTOMER_SUCCESS",
                "steps", List.of(Map.of("delayHours", 0, "subject", "Hi", "body", "Hello")))).post("/api/v1/sequences")
                .then().statusCode(201);
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("name", "X", "purpose", "NEWSLETTER_BLAST",
                "steps", List.of())).post("/api/v1/sequences").then().statusCode(400);
    }

    private void refused(Response r, String code) {
        r.then().statusCode(422).contentType("application/problem+json").body("code", equalTo(code));
    }

    private Response enroll(int sequence, String email, String opportunity) {
        Map<String, Object> body = new java.util.HashMap<>();
        body.put("email", email);
        body.put("opportunity", opportunity);
        return given().auth().oauth2(sales).contentType(ContentType.JSON).body(body).post("/api/v1/sequences/" + sequence + "/enrollments");
    }

    private int sequence(String name, String purpose) {
        return given().auth().oauth2(sales).contentType(ContentType.JSON).body(Map.of("name", name, "purpose", purpose,
                "steps", List.of(Map.of("delayHours", 0, "subject", "Following up", "body", "Short note."),
                        Map.of("delayHours", 48, "subject", "One more thing", "body", "Another short note."))))
                .post("/api/v1/sequences").then().statusCode(201).extract().path("id");
    }

    private void put(String path, Map<String, Object> body) {
        given().auth().oauth2(sales).contentType(ContentType.JSON).body(body).put(path).then().statusCode(201);
    }

    private void admin(String path, Map<String, Object> body) {
        data.request().contentType(ContentType.JSON).body(body).post(path).then().statusCode(201);
    }
}
