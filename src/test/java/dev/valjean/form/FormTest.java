package dev.valjean.form;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FormTest {

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    dev.valjean.support.MutableClock clock;

    String editor;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
        editor = data.token(Role.EDITOR);
    }

    @Test
    void the_hosted_page_of_a_demo_request_works_without_javascript_and_refuses_a_reused_form_token() throws Exception {
        create(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo", "contentUrl", "javascript:alert(1)")).then()
                .statusCode(422).body("code", equalTo("FORM_CONTENT_URL"));
        String id = create(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo")).then().statusCode(201).extract().path("id");
        Visitor visitor = new Visitor("203.0.113.9", "NoScript/1.0");
        String page = visitor.request().get("/forms/" + id).then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("How many people work there?")).extract().asString();
        String token = page.replaceAll("(?s).*name=\"formToken\" value=\"([^\"]+)\".*", "$1");
        clock.advance(java.time.Duration.ofSeconds(5));
        visitor.request().contentType(ContentType.URLENC).formParam("email", "bea@bigco.example").formParam("name", "Bea")
                .formParam("company", "BigCo").formParam("employees", "5000").formParam("country", "DE").formParam("message", "Hi")
                .formParam("formToken", token).formParam("website", "").formParam("altcha", "")
                .post("/forms/" + id).then().statusCode(200).body(containsString("Someone from our team will get back to you"));
        assertEquals(1, data.count("SELECT count(*) FROM sales_request WHERE kind = 'DEMO_REQUEST'"));
        assertEquals("BigCo", data.text("SELECT fields->>'company' FROM form_submission"));
        visitor.request().contentType(ContentType.URLENC).formParam("email", "bea@bigco.example").formParam("formToken", token)
                .post("/forms/" + id).then().statusCode(422).body(containsString("could not tell you from a robot"));
        assertEquals(1, data.count("SELECT count(*) FROM form_submission"), "a used token stores nothing");
        given().get("/forms/nope").then().statusCode(404);
    }

    @Test
    void a_gated_form_with_a_list_or_enrollment_action_is_refused() throws Exception {
        for (String action : List.of("ENROLL", "SUBSCRIBE", "ADD_TO_LIST")) {
            create(Map.of("kind", "GATED_DOWNLOAD", "name", "Ebook", "actions", List.of(action))).then().statusCode(422)
                    .contentType("application/problem+json").body("code", equalTo("FORM_ACTION_NOT_ALLOWED"))
                    .body("detail", containsString("nothing more"));
        }
        create(Map.of("kind", "EVENT_REGISTRATION", "name", "Webinar", "actions", List.of("START_SEQUENCE"))).then()
                .statusCode(422).body("code", equalTo("FORM_ACTION_NOT_ALLOWED"));
        create(Map.of("kind", "DEMO_REQUEST", "name", "Demo", "actions", List.of("ENROLL"))).then().statusCode(422)
                .body("code", equalTo("FORM_ACTION_NOT_ALLOWED"));
        create(Map.of("kind", "DEMO_REQUEST", "name", "Demo", "newsletter", "weekly")).then().statusCode(422)
                .body("code", equalTo("FORM_NEWSLETTER_NOT_ALLOWED"));
        create(Map.of("kind", "NEWSLETTER_SIGNUP", "name", "Signup")).then().statusCode(422).body("code", equalTo("NEWSLETTER_REQUIRED"));
        assertEquals(0L, data.count("SELECT count(*) FROM form"));
    }

    @Test
    void a_gated_download_is_recorded_and_creates_no_subscription_enrollment_or_sales_request() throws Exception {
        String form = create(Map.of("kind", "GATED_DOWNLOAD", "name", "The consent-first ebook", "newsletter", "weekly"))
                .then().statusCode(201).extract().path("id");
        Visitor reader = new Visitor("203.0.113.60");
        submit(reader, form, Map.of("email", "reader@example.com", "name", "Rea", "company", "Acme")).then().statusCode(202)
                .body("status", equalTo("RECEIVED"));

        assertEquals(1L, data.count("SELECT count(*) FROM form_submission"));
        assertEquals("Acme", data.text("SELECT fields->>'company' FROM form_submission"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription_request"));
        assertEquals(0L, data.count("SELECT count(*) FROM sales_request"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox"));
        dispatcher.drain("t");
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);

        // Ticking the newsletter box starts the normal double opt-in, and nothing more.
        submit(new Visitor("203.0.113.61"), form, Map.of("email", "ticker@example.com", "subscribeNewsletter", "true"))
                .then().statusCode(202);
        assertEquals(1L, data.count("SELECT count(*) FROM subscription WHERE status = 'PENDING' AND source = 'FORM'"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED'"));
        dispatcher.drain("t");
        assertEquals(1, SmtpServers.receivedBy("ticker@example.com").size());
        assertEquals("Please confirm your subscription to The weekly letter",
                SmtpServers.receivedBy("ticker@example.com").get(0).getSubject());
        assertEquals(0L, data.count("SELECT count(*) FROM sales_request"));
    }

    @Test
    void a_demo_request_becomes_a_sales_request_and_subscribes_nobody() throws Exception {
        String form = create(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo")).then().statusCode(201).extract().path("id");
        submit(new Visitor("203.0.113.62"), form, Map.of("email", "buyer@example.com", "company", "Acme", "employees", "400"))
                .then().statusCode(202);
        assertEquals(1L, data.count("SELECT count(*) FROM sales_request WHERE kind = 'DEMO_REQUEST'"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox"));
    }

    @Test
    void form_submissions_pass_the_anti_abuse_checks() throws Exception {
        String form = create(Map.of("kind", "GATED_DOWNLOAD", "name", "Ebook")).then().statusCode(201).extract().path("id");
        Visitor bot = new Visitor("203.0.113.63");
        bot.request().contentType(ContentType.JSON).body(Map.of("email", "b@example.com")).post("/forms/" + form)
                .then().statusCode(422).body("code", equalTo("CHALLENGE_FAILED"));
        Map<String, Object> honeypot = new HashMap<>(Map.of("email", "b@example.com", "website", "http://spam.example"));
        bot.request().contentType(ContentType.JSON).body(honeypot).post("/forms/" + form).then().statusCode(202);
        assertEquals(0L, data.count("SELECT count(*) FROM form_submission"));
        bot.request().contentType(ContentType.JSON).body(Map.of("email", "b@example.com")).post("/forms/nope")
                .then().statusCode(404);
    }

    private io.restassured.response.Response create(Map<String, Object> body) {
        return given().auth().oauth2(editor).contentType(ContentType.JSON).body(body).post("/api/v1/forms");
    }

    private static io.restassured.response.Response submit(Visitor v, String form, Map<String, String> fields) {
        Map<String, Object> body = new HashMap<>(fields);
        body.put("altcha", v.solvedChallenge());
        return v.request().contentType(ContentType.JSON).body(body).post("/forms/" + form);
    }
}
