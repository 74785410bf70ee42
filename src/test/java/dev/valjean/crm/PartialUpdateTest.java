package dev.valjean.crm;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.auth.Role;
import dev.valjean.common.MergePatch;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** Partial updates the way CRMs send them: JSON Merge Patch (RFC 7396) on accounts and opportunities. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PartialUpdateTest {

    @Inject
    TestData data;

    String sales;

    @BeforeEach
    void world() throws Exception {
        data.reset();
        sales = data.token(Role.SALES);
        given().auth().oauth2(sales).contentType("application/json").body(Map.of("name", "Prospect AG", "customer", false, "industry", "Software"))
                .put("/api/v1/accounts/prospect").then().statusCode(201);
        given().auth().oauth2(sales).contentType("application/json").body(Map.of("account", "prospect", "name", "Demo deal", "stage", "Proposal",
                "status", "OPEN", "owner", "Sam", "contacts", List.of(Map.of("email", "jo@prospect.example", "name", "Jo", "role", "Champion"),
                        Map.of("email", "kim@prospect.example", "name", "Kim"))))
                .put("/api/v1/opportunities/demo-deal").then().statusCode(201);
    }

    @Test
    void the_merge_patch_algorithm_follows_rfc_7396_appendix_a() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String[][] cases = {
                { "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
                { "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}" },
                { "{\"a\":\"b\"}", "{\"a\":null}", "{}" },
                { "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}" },
                { "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
                { "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}" },
                { "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}" },
                { "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}" },
                { "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]" },
                { "{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]" },
                { "{\"a\":\"foo\"}", "null", "null" },
                { "{\"a\":\"foo\"}", "\"bar\"", "\"bar\"" },
                { "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}" },
                { "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}" },
                { "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" } };
        for (String[] c : cases) {
            assertEquals(json.readTree(c[2]), MergePatch.apply(json.readTree(c[0]), json.readTree(c[1])), c[0] + " + " + c[1]);
        }
    }

    @Test
    void closing_a_deal_with_a_patch_ends_its_sequences_and_keeps_its_committee() {
        int sequence = given().auth().oauth2(sales).contentType("application/json").body(Map.of("name", "Follow-up", "purpose", "SALES_ACCELERATION",
                "steps", List.of(Map.of("delayHours", 48, "subject", "Hi", "body", "A short note."))))
                .post("/api/v1/sequences").then().statusCode(201).extract().path("id");
        given().auth().oauth2(sales).contentType("application/json").body(Map.of("email", "jo@prospect.example", "opportunity", "demo-deal"))
                .post("/api/v1/sequences/" + sequence + "/enrollments").then().statusCode(201);

        patch("/api/v1/opportunities/demo-deal", "{\"status\":\"WON\"}").then().statusCode(200)
                .body("status", equalTo("WON")).body("stage", equalTo("Proposal")).body("owner", equalTo("Sam"))
                .body("contacts.email", containsInAnyOrder("jo@prospect.example", "kim@prospect.example"))
                .body("contacts.find { it.email == 'jo@prospect.example' }.role", equalTo("Champion"));
        given().auth().oauth2(sales).get("/api/v1/enrollments?opportunity=demo-deal").then().statusCode(200)
                .body("[0].status", equalTo("ENDED")).body("[0].endedReason", equalTo("OPPORTUNITY_WON"));
    }

    @Test
    void only_the_given_fields_change_null_clears_one_and_the_committee_changes_only_when_asked() {
        patch("/api/v1/opportunities/demo-deal", "{\"stage\":null,\"name\":\"Demo deal 2026\"}").then().statusCode(200)
                .body("stage", nullValue()).body("name", equalTo("Demo deal 2026")).body("contacts", org.hamcrest.Matchers.hasSize(2));
        patch("/api/v1/opportunities/demo-deal", "{\"addContacts\":[{\"email\":\"lee@prospect.example\",\"name\":\"Lee\"},"
                + "{\"email\":\"kim@prospect.example\",\"name\":\"Kim\",\"role\":\"Buyer\"}],\"removeContacts\":[\"jo@prospect.example\"]}")
                .then().statusCode(200).body("contacts.email", containsInAnyOrder("kim@prospect.example", "lee@prospect.example"))
                .body("contacts.find { it.email == 'kim@prospect.example' }.role", equalTo("Buyer"));
        patch("/api/v1/opportunities/demo-deal", "{\"contacts\":[{\"email\":\"max@prospect.example\"}]}").then().statusCode(200)
                .body("contacts.email", contains("max@prospect.example"));

        patch("/api/v1/accounts/prospect", "{\"industry\":null,\"employeeCount\":400}").then().statusCode(200)
                .body("name", equalTo("Prospect AG")).body("industry", nullValue()).body("employeeCount", equalTo(400));
    }

    @Test
    void a_sequence_and_a_newsletter_take_a_merge_patch_too() throws Exception {
        int sequence = given().auth().oauth2(sales).contentType("application/json").body(Map.of("name", "Follow-up", "purpose", "SALES_ACCELERATION",
                "steps", List.of(Map.of("delayHours", 48, "subject", "Hi", "body", "A short note."))))
                .post("/api/v1/sequences").then().statusCode(201).extract().path("id");
        patch("/api/v1/sequences/" + sequence, "{\"name\":\"Deal follow-up\"}").then().statusCode(200)
                .body("name", equalTo("Deal follow-up")).body("steps[0].subject", equalTo("Hi")).body("purpose", equalTo("SALES_ACCELERATION"));
        patch("/api/v1/sequences/" + sequence, "{\"steps\":[{\"delayHours\":24,\"subject\":\"One\",\"body\":\"First.\"},"
                + "{\"delayBusinessDays\":2,\"subject\":\"Two\",\"body\":\"Second.\"}]}").then().statusCode(200)
                .body("name", equalTo("Deal follow-up")).body("steps.subject", contains("One", "Two"));
        patch("/api/v1/sequences/" + sequence, "{\"purpose\":\"CUSTOMER_SUCCESS\"}").then().statusCode(422).body("code", equalTo("PURPOSE_FIXED"));
        patch("/api/v1/sequences/" + sequence, "{\"steps\":[]}").then().statusCode(422).body("errors[0].field", equalTo("steps"));
        patch("/api/v1/sequences/999999", "{\"name\":\"x\"}").then().statusCode(404);

        data.newsletter("weekly");
        given().auth().oauth2(TestData.ADMIN).contentType(MergePatch.MEDIA_TYPE).body("{\"description\":\"Three short things a week.\"}")
                .patch("/api/v1/newsletters/weekly").then().statusCode(200).body("description", equalTo("Three short things a week."))
                .body("name", equalTo("The weekly letter"));
    }

    @Test
    void a_bad_patch_is_a_problem_and_changes_nothing() {
        patch("/api/v1/opportunities/demo-deal", "{\"status\":\"MAYBE\"}").then().statusCode(422).contentType("application/problem+json");
        patch("/api/v1/opportunities/demo-deal", "{\"name\":\"\"}").then().statusCode(422).body("errors[0].field", equalTo("name"));
        patch("/api/v1/opportunities/demo-deal", "{\"colour\":\"red\"}").then().statusCode(422).body("code", equalTo("UNKNOWN_FIELD"));
        patch("/api/v1/opportunities/demo-deal", "{\"removeContacts\":\"jo@prospect.example\"}").then().statusCode(422)
                .body("errors[0].field", equalTo("removeContacts"));
        patch("/api/v1/opportunities/demo-deal", "[]").then().statusCode(422);
        patch("/api/v1/opportunities/no-such-deal", "{\"status\":\"WON\"}").then().statusCode(404);
        patch("/api/v1/accounts/prospect", "{\"customer\":false,\"customerSince\":\"2025-01-01\"}").then().statusCode(422)
                .body("code", equalTo("CUSTOMER_SINCE_WITHOUT_CUSTOMER"));
        given().auth().oauth2(sales).get("/api/v1/opportunities/demo-deal").then().body("status", equalTo("OPEN")).body("name", equalTo("Demo deal"))
                .body("contacts", org.hamcrest.Matchers.hasSize(2));
        given().auth().oauth2(data.token(Role.EDITOR)).contentType(MergePatch.MEDIA_TYPE).body("{\"status\":\"WON\"}")
                .patch("/api/v1/opportunities/demo-deal").then().statusCode(403);
    }

    private Response patch(String path, String body) {
        return given().auth().oauth2(sales).contentType(MergePatch.MEDIA_TYPE).body(body).patch(path);
    }
}
