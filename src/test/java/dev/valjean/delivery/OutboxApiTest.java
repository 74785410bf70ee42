package dev.valjean.delivery;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class OutboxApiTest {

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void an_operator_checks_the_relay_with_a_test_message_and_finds_it_in_the_outbox() throws Exception {
        int id = given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("to", "ops@example.com")).post("/api/v1/outbox/test")
                .then().statusCode(202)
                .header("Location", containsString("/api/v1/outbox/"))
                .body("purpose", equalTo("TRANSACTIONAL"))
                .body("status", equalTo("QUEUED"))
                .extract().path("id");

        dispatcher.drain("test");

        MimeMessage[] received = SmtpServers.greenMail.getReceivedMessages();
        assertEquals(1, received.length);
        assertEquals("Valjean relay test", received[0].getSubject());
        assertTrue(received[0].getHeader("List-Unsubscribe") == null, "a transactional message is not list mail");

        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox/" + id).then().statusCode(200)
                .body("message.status", equalTo("SENT"))
                .body("message.basisType", equalTo("OPERATOR"))
                .body("bodyText", containsString("the SMTP relay works"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?status=SENT&email=ops@EXAMPLE.com").then()
                .statusCode(200).body("$", hasSize(1)).body("[0].id", equalTo(id));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?status=QUEUED").then()
                .statusCode(200).body("$", hasSize(0));
    }

    @Test
    void a_message_being_sent_is_reported_as_sending_and_found_by_that_status() throws Exception {
        long waiting = data.enqueue("waits@example.com", 1, "flight:1").id;
        long inFlight = data.enqueue("flies@example.com", 2, "flight:2").id;
        // an instance has claimed the second one and not recorded its result yet
        data.execute("INSERT INTO outbox_lease (outbox_id, owner, until) VALUES (" + inFlight + ", 'elsewhere', now() + interval '1 minute')");

        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox/" + inFlight).then().statusCode(200)
                .body("message.status", equalTo("SENDING"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox/" + waiting).then().statusCode(200)
                .body("message.status", equalTo("QUEUED"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?status=SENDING").then().statusCode(200)
                .body("$", hasSize(1)).body("[0].id", equalTo((int) inFlight)).body("[0].status", equalTo("SENDING"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?status=QUEUED").then().statusCode(200)
                .body("$", hasSize(1)).body("[0].id", equalTo((int) waiting));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox").then().statusCode(200)
                .body("find { it.id == " + inFlight + " }.status", equalTo("SENDING"))
                .body("find { it.id == " + waiting + " }.status", equalTo("QUEUED"));
    }

    @Test
    void the_listing_filters_by_status_and_purpose_and_pages_newest_first() {
        for (int i = 0; i < 5; i++) {
            data.enqueue("page" + i + "@example.com", i, "page:" + i);
        }
        data.enqueueListMail("list@example.com", 99, "page:list");

        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?purpose=NEWSLETTER").then()
                .body("$", hasSize(1)).body("[0].purpose", equalTo("NEWSLETTER"));
        int lastOfFirstPage = given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?purpose=TRANSACTIONAL&limit=3")
                .then().body("$", hasSize(3)).extract().path("[2].id");
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/outbox?purpose=TRANSACTIONAL&limit=3&before=" + lastOfFirstPage)
                .then().body("$", hasSize(2));
    }

    @Test
    void suppressing_an_address_through_the_api_skips_its_queued_mail() throws Exception {
        OutboxMessage queued = data.enqueueListMail("complainer@example.com", 1, "api:complainer");
        given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("email", "complainer@EXAMPLE.com", "reason", "COMPLAINT", "detail", "feedback loop"))
                .post("/api/v1/suppressions").then().statusCode(201).body("[0].reason", equalTo("COMPLAINT"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/suppressions?email=complainer@example.com").then()
                .statusCode(200).body("$", hasSize(1));

        dispatcher.drain("test");

        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
        assertEquals("SUPPRESSED_COMPLAINT", data.reload(queued.id).statusReason);
    }
}
