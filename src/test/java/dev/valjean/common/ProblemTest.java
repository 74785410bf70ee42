package dev.valjean.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ProblemTest {

    @Test
    void an_unknown_address_is_a_problem_document() {
        problem(given().auth().oauth2(TestData.ADMIN).get("/api/v1/no-such-thing").then(), 404, "NOT_FOUND");
    }

    @Test
    void malformed_json_is_a_400_that_names_no_class() {
        problem(given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON).body("{\"name\": ")
                .post("/api/v1/tokens").then(), 400, "MALFORMED_JSON");
    }

    @Test
    void an_unknown_enum_value_is_a_400_that_names_no_class() {
        problem(given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON)
                .body("{\"name\": \"x\", \"role\": \"SUPERUSER\"}").post("/api/v1/tokens").then(), 400, "MALFORMED_JSON");
    }

    @Test
    void missing_fields_are_a_422_listing_each_field() {
        problem(given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON).body("{}")
                .post("/api/v1/tokens").then(), 422, "VALIDATION_FAILED")
                .body("errors.field", hasItems("name", "role"));
    }

    @Test
    void an_out_of_range_query_parameter_is_a_422() {
        problem(given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?limit=0").then(), 422, "VALIDATION_FAILED");
    }

    @Test
    void a_wrong_method_is_a_405_problem() {
        problem(given().auth().oauth2(TestData.ADMIN).put("/api/v1/outbox/test").then(), 405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void a_wrong_content_type_is_a_415_problem() {
        problem(given().auth().oauth2(TestData.ADMIN).contentType(ContentType.XML).body("<x/>")
                .post("/api/v1/tokens").then(), 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void a_bad_address_and_a_header_injection_attempt_are_refused() {
        problem(given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON).body("{\"to\": \"not an address\"}")
                .post("/api/v1/outbox/test").then(), 422, "INVALID_EMAIL");
        problem(given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON)
                .body("{\"to\": \"a@example.com\\r\\nBcc: victim@example.com\"}")
                .post("/api/v1/outbox/test").then(), 422, "VALIDATION_FAILED").body("errors[0].field", equalTo("to"));
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status, String code) {
        return response.statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("code", equalTo(code))
                .body("type", containsString("/problems/"))
                .body("title", notNullValue())
                .body("detail", notNullValue())
                .body(not(containsString("Exception")))
                .body(not(containsString("dev.valjean")))
                .body(not(containsString("com.fasterxml")))
                .body(not(containsString("\tat ")));
    }
}
