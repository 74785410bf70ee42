package dev.valjean.newsletter;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.HashMap;
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
class NewsletterTest {

    @Inject
    TestData data;

    String editor;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        editor = data.token(Role.EDITOR);
    }

    @Test
    void an_editor_creates_a_newsletter_whose_consent_text_is_version_1() {
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(weekly()).post("/api/v1/newsletters")
                .then().statusCode(201)
                .body("slug", equalTo("weekly"))
                .body("cadence", equalTo("WEEKLY"))
                .body("senderAddress", equalTo("news@example.com"))
                .body("consentVersion", equalTo(1));
        given().auth().oauth2(editor).get("/api/v1/newsletters").then().statusCode(200)
                .body("slug", hasItem("weekly"));
    }

    @Test
    void editing_the_consent_text_adds_a_version_and_keeps_the_old_one() {
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(weekly()).post("/api/v1/newsletters")
                .then().statusCode(201);

        given().auth().oauth2(editor).contentType(ContentType.JSON).body(Map.of("name", "The Weekly"))
                .patch("/api/v1/newsletters/weekly").then().statusCode(200)
                .body("name", equalTo("The Weekly")).body("consentVersion", equalTo(1));
        given().auth().oauth2(editor).contentType(ContentType.JSON)
                .body(Map.of("consentText", "Yes, send me The Weekly once a week. I can leave with one click."))
                .patch("/api/v1/newsletters/weekly").then().statusCode(200).body("consentVersion", equalTo(2));

        given().auth().oauth2(editor).get("/api/v1/newsletters/weekly/consent-texts").then().statusCode(200)
                .body("$", hasSize(2))
                .body("[0].version", equalTo(1))
                .body("[0].text", equalTo("Yes, send me the Weekly every week. I can unsubscribe at any time."))
                .body("[1].version", equalTo(2));
    }

    @Test
    void a_taken_slug_an_invalid_slug_and_a_header_breaking_sender_name_are_refused() {
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(weekly()).post("/api/v1/newsletters")
                .then().statusCode(201);
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(weekly()).post("/api/v1/newsletters")
                .then().statusCode(409).body("code", equalTo("SLUG_TAKEN"));

        Map<String, Object> badSlug = weekly();
        badSlug.put("slug", "Weekly News!");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(badSlug).post("/api/v1/newsletters")
                .then().statusCode(422).body("errors.field", hasItem("slug"));

        Map<String, Object> injected = weekly();
        injected.put("slug", "other");
        injected.put("senderName", "News\r\nBcc: everyone@example.com");
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(injected).post("/api/v1/newsletters")
                .then().statusCode(422).body("errors.field", hasItem("senderName"));
        given().auth().oauth2(editor).get("/api/v1/newsletters").then().body("$", hasSize(1));
    }

    @Test
    void the_database_refuses_to_change_or_delete_a_consent_text() {
        given().auth().oauth2(editor).contentType(ContentType.JSON).body(weekly()).post("/api/v1/newsletters")
                .then().statusCode(201);
        SQLException update = assertThrows(SQLException.class, () -> data.count("WITH u AS (UPDATE consent_text SET text = 'changed' RETURNING 1) SELECT count(*) FROM u"));
        assertTrue(update.getMessage().contains("append-only"), update.getMessage());
        SQLException delete = assertThrows(SQLException.class, () -> data.count("WITH d AS (DELETE FROM consent_text RETURNING 1) SELECT count(*) FROM d"));
        assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
    }

    @Test
    void an_unknown_newsletter_is_a_404() {
        given().auth().oauth2(editor).get("/api/v1/newsletters/nope").then().statusCode(404)
                .contentType("application/problem+json").body("code", equalTo("NOT_FOUND"));
    }

    private static Map<String, Object> weekly() {
        Map<String, Object> body = new HashMap<>();
        body.put("slug", "weekly");
        body.put("name", "Weekly");
        body.put("description", "Three short things every Tuesday.");
        body.put("cadence", "WEEKLY");
        body.put("senderName", "Valjean News");
        body.put("senderAddress", "news@EXAMPLE.com");
        body.put("consentText", "Yes, send me the Weekly every week. I can unsubscribe at any time.");
        return body;
    }
}
