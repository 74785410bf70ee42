package dev.valjean.crm;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
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

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CrmTest {

    @Inject
    TestData data;

    String sales;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        sales = data.token(Role.SALES);
    }

    @Test
    void accounts_are_upserted_by_external_id_and_repeating_a_put_changes_nothing() throws Exception {
        Map<String, Object> acme = Map.of("name", "Acme GmbH", "customer", false, "industry", "Machinery", "employeeCount", 420,
                "country", "DE");
        put("/api/v1/accounts/crm-1", acme).then().statusCode(201).body("name", equalTo("Acme GmbH")).body("customer", equalTo(false));
        put("/api/v1/accounts/crm-1", acme).then().statusCode(200).body("employeeCount", equalTo(420));
        put("/api/v1/accounts/crm-1", Map.of("name", "Acme GmbH", "customer", true, "customerSince", "2026-11-01"))
                .then().statusCode(200).body("customer", equalTo(true)).body("customerSince", equalTo("2026-11-01"))
                .body("industry", nullValue());
        assertEquals(1L, data.count("SELECT count(*) FROM account"));
        put("/api/v1/accounts/crm-2", Map.of("name", "X", "customer", false, "country", "Germany")).then().statusCode(422)
                .contentType("application/problem+json").body("code", equalTo("VALIDATION_FAILED"));
        put("/api/v1/accounts/has space", Map.of("name", "X", "customer", false)).then().statusCode(422)
                .body("code", equalTo("INVALID_EXTERNAL_ID"));
        assertEquals(1L, data.count("SELECT count(*) FROM account"));
    }

    @Test
    void an_opportunity_carries_its_buying_committee_and_closing_it_is_recorded() throws Exception {
        put("/api/v1/accounts/crm-1", Map.of("name", "Acme GmbH", "customer", false)).then().statusCode(201);
        Map<String, Object> open = Map.of("account", "crm-1", "name", "Acme platform deal", "stage", "Proposal", "status", "OPEN",
                "owner", "rep@valjean.test", "contacts", List.of(
                        Map.of("email", "cto@acme.example", "name", "Carla", "role", "Decision maker"),
                        Map.of("email", "buyer@acme.example", "role", "Procurement")));
        put("/api/v1/opportunities/opp-7", open).then().statusCode(201).body("status", equalTo("OPEN"))
                .body("contacts", hasSize(2)).body("closedAt", nullValue());
        put("/api/v1/opportunities/opp-7", open).then().statusCode(200).body("contacts", hasSize(2));

        // The buyer leaves the committee; the deal is won.
        Map<String, Object> won = Map.of("account", "crm-1", "name", "Acme platform deal", "stage", "Closed", "status", "WON",
                "contacts", List.of(Map.of("email", "cto@acme.example", "role", "Decision maker")));
        put("/api/v1/opportunities/opp-7", won).then().statusCode(200).body("status", equalTo("WON"))
                .body("contacts", hasSize(1)).body("contacts[0].email", equalTo("cto@acme.example"))
                .body("closedAt", notNullValue());
        assertEquals(1L, data.count("SELECT count(*) FROM opportunity_contact"));
        assertEquals(2L, data.count("SELECT count(*) FROM contact"), "people stay contacts when they leave a deal");

        put("/api/v1/opportunities/opp-8", Map.of("account", "nope", "name", "X", "status", "OPEN")).then().statusCode(422)
                .body("code", equalTo("UNKNOWN_ACCOUNT"));
        put("/api/v1/opportunities/opp-9", Map.of("account", "crm-1", "name", "X", "status", "MAYBE")).then().statusCode(400);
        assertEquals(1L, data.count("SELECT count(*) FROM opportunity"));
    }

    @Test
    void editors_cannot_write_crm_data() {
        given().auth().oauth2(data.token(Role.EDITOR)).contentType(ContentType.JSON).body(Map.of("name", "X", "customer", false))
                .put("/api/v1/accounts/crm-1").then().statusCode(403);
    }

    private io.restassured.response.Response put(String path, Map<String, Object> body) {
        return given().auth().oauth2(sales).contentType(ContentType.JSON).body(body).put(path);
    }
}
