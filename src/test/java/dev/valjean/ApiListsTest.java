package dev.valjean;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

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

/** The lists an integrator needs, each newest first with the same keyset paging: {@code limit} and {@code before}. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ApiListsTest {

    @Inject
    TestData data;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void sequences_are_listed_a_page_at_a_time_and_one_is_found_again_by_its_id() {
        String sales = data.token(Role.SALES);
        int[] ids = new int[3];
        String[] purposes = { "SALES_ACCELERATION", "CUSTOMER_SUCCESS", "SALES_ACCELERATION" };
        for (int i = 0; i < 3; i++) {
            ids[i] = given().auth().oauth2(sales).contentType("application/json").body(Map.of("name", "Sequence " + i, "purpose", purposes[i],
                    "steps", List.of(Map.of("delayHours", 24 * (i + 1), "subject", "Step of " + i, "body", "A short note."))))
                    .post("/api/v1/sequences").then().statusCode(201).extract().path("id");
        }
        given().auth().oauth2(sales).get("/api/v1/sequences?limit=2").then().statusCode(200).body("id", contains(ids[2], ids[1]));
        given().auth().oauth2(sales).get("/api/v1/sequences?limit=2&before=" + ids[1]).then().statusCode(200).body("id", contains(ids[0]));
        given().auth().oauth2(sales).get("/api/v1/sequences?purpose=CUSTOMER_SUCCESS").then().body("id", contains(ids[1]));
        given().auth().oauth2(data.token(Role.EDITOR)).get("/api/v1/sequences/" + ids[0]).then().statusCode(200)
                .body("name", equalTo("Sequence 0")).body("steps[0].subject", equalTo("Step of 0")).body("active", equalTo(0));
        given().auth().oauth2(sales).get("/api/v1/sequences/999999").then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(sales).get("/api/v1/sequences?limit=0").then().statusCode(422).contentType("application/problem+json");
        given().auth().oauth2(sales).get("/api/v1/sequences?limit=501").then().statusCode(422);
    }

    @Test
    void a_forms_submissions_are_listed_newest_first_without_ip_or_user_agent() {
        String editor = data.token(Role.EDITOR);
        String form = given().auth().oauth2(editor).contentType("application/json").body(Map.of("kind", "GATED_DOWNLOAD", "name", "Whitepaper"))
                .post("/api/v1/forms").then().statusCode(201).extract().path("id");
        for (String who : List.of("a", "b", "c")) {
            given().auth().oauth2(TestData.ADMIN).contentType("application/json").body(Map.of("email", who + "@reader.example", "company", "Co " + who))
                    .post("/forms/" + form).then().statusCode(202);
        }
        List<Integer> ids = given().auth().oauth2(editor).get("/api/v1/forms/" + form + "/submissions?limit=2").then().statusCode(200)
                .body("email", contains("c@reader.example", "b@reader.example")).body("[0].fields.company", equalTo("Co c"))
                .body("[0].ip", equalTo(null)).extract().path("id");
        given().auth().oauth2(editor).get("/api/v1/forms/" + form + "/submissions?before=" + ids.get(1)).then()
                .body("email", contains("a@reader.example"));
        given().auth().oauth2(editor).get("/api/v1/forms/no-such-form/submissions").then().statusCode(404);
        given().auth().oauth2(data.token(Role.SALES)).get("/api/v1/forms/" + form + "/submissions").then().statusCode(403);
    }

    @Test
    void sales_requests_are_listed_by_status_a_page_at_a_time() throws Exception {
        String editor = data.token(Role.EDITOR);
        String form = given().auth().oauth2(editor).contentType("application/json").body(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo"))
                .post("/api/v1/forms").then().statusCode(201).extract().path("id");
        for (String who : List.of("a", "b", "c")) {
            given().auth().oauth2(TestData.ADMIN).contentType("application/json").body(Map.of("email", who + "@buyer.example", "company", "Buyer",
                    "industry", "Software", "employees", "400", "country", "DE")).post("/forms/" + form).then().statusCode(202);
        }
        data.execute("UPDATE sales_request SET handled_at = now(), handled_by = 'Sam' WHERE id = (SELECT min(id) FROM sales_request)");
        String sales = data.token(Role.SALES);
        given().auth().oauth2(sales).get("/api/v1/sales-requests?status=open").then().statusCode(200)
                .body("email", contains("c@buyer.example", "b@buyer.example"));
        given().auth().oauth2(sales).get("/api/v1/sales-requests?status=handled").then().body("email", contains("a@buyer.example"));
        List<Integer> ids = given().auth().oauth2(sales).get("/api/v1/sales-requests?limit=2").then().body("$", hasSize(2)).extract().path("id");
        given().auth().oauth2(sales).get("/api/v1/sales-requests?before=" + ids.get(1)).then().body("email", contains("a@buyer.example"));
        given().auth().oauth2(sales).get("/api/v1/sales-requests?crm=PENDING").then().body("$", hasSize(3));
        given().auth().oauth2(sales).get("/api/v1/sales-requests?status=maybe").then().statusCode(422).body("errors[0].field", equalTo("status"));
    }

    @Test
    void the_other_lists_page_the_same_way() {
        for (String slug : List.of("alpha", "beta", "gamma")) {
            data.newsletter(slug);
        }
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/newsletters?limit=2").then().statusCode(200).body("slug", contains("alpha", "beta"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/newsletters?limit=2&before=beta").then().body("slug", contains("gamma"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/newsletters?before=omega").then().statusCode(422).body("errors[0].field", equalTo("before"));

        String editor = data.token(Role.EDITOR);
        int[] issues = new int[3];
        for (int i = 0; i < 3; i++) {
            issues[i] = given().auth().oauth2(editor).contentType("application/json").body(Map.of("subject", "Issue " + i, "items",
                    List.of(Map.of("title", "One", "body", "A short note.")))).post("/api/v1/newsletters/alpha/issues").then().statusCode(201)
                    .extract().path("id");
        }
        given().auth().oauth2(editor).get("/api/v1/newsletters/alpha/issues?limit=2").then().body("id", contains(issues[2], issues[1]));
        given().auth().oauth2(editor).get("/api/v1/newsletters/alpha/issues?limit=2&before=" + issues[1]).then().body("id", contains(issues[0]));

        List<String> forms = new java.util.ArrayList<>();
        for (String name : List.of("One", "Two", "Three")) {
            forms.add(given().auth().oauth2(editor).contentType("application/json").body(Map.of("kind", "CONTACT_SALES", "name", name))
                    .post("/api/v1/forms").then().statusCode(201).extract().path("id"));
        }
        given().auth().oauth2(editor).get("/api/v1/forms?limit=1&before=" + forms.get(0)).then().body("name", contains("Two"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/tokens?limit=1").then().statusCode(200).body("$", hasSize(1));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/tokens?limit=0").then().statusCode(422);
    }
}
