package dev.valjean.events;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.auth.Role;
import dev.valjean.common.Signing;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.Verp;
import dev.valjean.support.MutableClock;
import dev.valjean.support.Reports;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.WebhookReceiver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Events out: a local receiver hears every event type once, signed, in order per person, also after a stretch of 503s. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class EventsOutTest {

    static final String SECRET = "test-events-secret-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    EventDelivery delivery;
    @Inject
    MutableClock clock;
    @Inject
    Verp verp;

    WebhookReceiver receiver;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
        receiver = new WebhookReceiver();
    }

    @AfterEach
    void close() {
        receiver.close();
    }

    @Test
    void each_event_type_arrives_once_signed_in_order_per_person_and_again_after_a_stretch_of_503s() throws Exception {
        given().auth().oauth2(TestData.ADMIN).contentType("application/json")
                .body(Map.of("url", receiver.url(), "events", Events.TYPES, "secret", SECRET)).post("/api/v1/event-subscribers").then()
                .statusCode(201).body("secret", equalTo(SECRET)).body("id", notNullValue());
        String sales = data.token(Role.SALES);

        // Pat: asks, confirms, is enrolled, asks for a demo, then reports an issue as spam.
        given().auth().oauth2(TestData.ADMIN).contentType("application/json")
                .body(Map.of("email", "pat@client.example", "newsletters", List.of("weekly"), "consent", true)).post("/api/v1/subscriptions")
                .then().statusCode(202);
        dispatcher.drain("t");
        String confirmation = data.text("SELECT body_text FROM outbox WHERE purpose = 'CONFIRMATION'");
        given().post("/confirm/" + confirmation.replaceAll("(?s).*/confirm/([A-Za-z0-9_-]+).*", "$1")).then().statusCode(200);
        given().auth().oauth2(sales).contentType("application/json").body(Map.of("name", "Client", "customer", true))
                .put("/api/v1/accounts/client").then().statusCode(201);
        given().auth().oauth2(sales).contentType("application/json").body(Map.of("account", "client", "name", "Renewal", "status", "WON",
                "contacts", List.of(Map.of("email", "pat@client.example")))).put("/api/v1/opportunities/renewal").then().statusCode(201);
        int sequence = given().auth().oauth2(sales).contentType("application/json").body(Map.of("name", "Onboarding", "purpose", "CUSTOMER_SUCCESS",
                "steps", List.of(Map.of("delayHours", 48, "subject", "Tips", "body", "A short note.")))).post("/api/v1/sequences").then()
                .statusCode(201).extract().path("id");
        given().auth().oauth2(sales).contentType("application/json").body(Map.of("email", "pat@client.example"))
                .post("/api/v1/sequences/" + sequence + "/enrollments").then().statusCode(201);
        String form = given().auth().oauth2(data.token(Role.EDITOR)).contentType("application/json")
                .body(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo")).post("/api/v1/forms").then().statusCode(201).extract().path("id");
        given().auth().oauth2(TestData.ADMIN).contentType("application/json").body(Map.of("email", "pat@client.example", "company", "Client",
                "industry", "Software", "employees", "400", "country", "DE")).post("/forms/" + form).then().statusCode(202);
        String messageId = data.messageIdOf("o.purpose = 'CONFIRMATION'");
        data.request().contentType("message/rfc822").body(Reports.arf("pat@client.example", messageId)).post("/api/v1/bounces/messages")
                .then().statusCode(200);

        // Ben's mailbox is gone.
        OutboxMessage toBen = data.enqueue("ben@client.example", 1, "hello:ben");
        dispatcher.drain("t");
        data.request().contentType("message/rfc822").body(Reports.dsn(verp.envelopeFor(toBen.id).orElseThrow(), "ben@client.example", "failed",
                "5.1.1", "smtp; 550 5.1.1 user unknown", null)).post("/api/v1/bounces/messages").then().statusCode(200);

        // The receiver is down for a while: three 503s, then it comes back.
        receiver.failNext.set(3);
        for (int round = 0; round < 40 && waiting() > 0; round++) {
            delivery.deliverDue();
            clock.advance(Duration.ofMinutes(2));
        }
        assertEquals(0, waiting(), "everything was delivered in the end");
        assertEquals(3, receiver.received.stream().filter(r -> r.status() == 503).count());

        Map<String, List<String>> byPerson = new LinkedHashMap<>();
        Map<String, Integer> deliveredById = new LinkedHashMap<>();
        for (WebhookReceiver.Received r : receiver.received) {
            String[] sig = r.signature().split(",");
            String t = sig[0].substring(2);
            assertEquals("v1=" + Signing.webhookSignature(SECRET, t + "." + r.body()), sig[1], "a valid signature on " + r.eventId());
            JsonNode event = JSON.readTree(r.body());
            assertEquals(r.eventId(), event.path("id").asText());
            assertEquals(r.event(), event.path("type").asText());
            assertTrue(event.path("data").size() <= 8, "only the address and ids: " + event);
            if (r.status() == 204) {
                deliveredById.merge(r.eventId(), 1, Integer::sum);
                byPerson.computeIfAbsent(event.path("data").path("email").asText(), k -> new ArrayList<>()).add(r.event());
            }
        }
        assertTrue(deliveredById.values().stream().allMatch(n -> n == 1), "each event delivered once: " + deliveredById);
        assertEquals(List.of("subscription.requested", "subscription.confirmed", "enrollment.started", "sales_request.created",
                "contact.suppressed", "subscription.unsubscribed", "enrollment.ended", "contact.complained"), byPerson.get("pat@client.example"),
                "Pat's events in the order they happened");
        assertEquals(List.of("contact.suppressed", "contact.bounced"), byPerson.get("ben@client.example"));
    }

    @Test
    void after_an_erasure_only_the_erasure_is_told_and_a_receiver_failing_for_a_day_is_paused_until_resumed() throws Exception {
        int subscriber = given().auth().oauth2(TestData.ADMIN).contentType("application/json")
                .body(Map.of("url", receiver.url(), "events", List.of("subscription.requested", "contact.erased"))).post("/api/v1/event-subscribers")
                .then().statusCode(201).body("secret", notNullValue()).extract().path("id");
        receiver.failNext.set(1_000_000);
        given().auth().oauth2(TestData.ADMIN).contentType("application/json")
                .body(Map.of("email", "cid@client.example", "newsletters", List.of("weekly"), "consent", true)).post("/api/v1/subscriptions")
                .then().statusCode(202);
        delivery.deliverDue();
        clock.advance(Duration.ofHours(25));
        delivery.deliverDue();
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/event-subscribers").then().statusCode(200).body("[0].pausedAt", notNullValue())
                .body("[0].waiting", equalTo(1)).body("[0].secret", equalTo(null));
        int attempts = receiver.received.size();
        clock.advance(Duration.ofHours(2));
        delivery.deliverDue();
        assertEquals(attempts, receiver.received.size(), "a paused receiver is left alone");

        given().auth().oauth2(TestData.ADMIN).delete("/api/v1/contacts/cid@client.example").then().statusCode(204);
        receiver.failNext.set(0);
        given().auth().oauth2(TestData.ADMIN).post("/api/v1/event-subscribers/" + subscriber + "/resume").then().statusCode(200)
                .body("pausedAt", equalTo(null));
        delivery.deliverDue();
        List<WebhookReceiver.Received> delivered = receiver.received.stream().filter(r -> r.status() == 204).toList();
        assertEquals(List.of("contact.erased"), delivered.stream().map(WebhookReceiver.Received::event).toList(),
                "the sign-up waiting when the person was erased is not sent");
        JsonNode erased = JSON.readTree(delivered.get(0).body());
        assertEquals("cid@client.example", erased.path("data").path("email").asText(), "the receiver can find the person to erase");
        assertNotNull(erased.path("data").path("contactId").numberValue());
        assertFalse(data.text("SELECT string_agg(data::text, ' ') FROM outbound_event").contains("cid@client.example"),
                "once told, Valjean keeps the address nowhere in its events");
    }

    @Test
    void a_subscriber_is_refused_with_an_unknown_event_type_or_a_url_that_is_not_http() {
        given().auth().oauth2(TestData.ADMIN).contentType("application/json").body(Map.of("url", receiver.url(), "events", List.of("contact.moved")))
                .post("/api/v1/event-subscribers").then().statusCode(422).body("code", equalTo("UNKNOWN_EVENT_TYPE"));
        given().auth().oauth2(TestData.ADMIN).contentType("application/json").body(Map.of("url", "ftp://crm.example/hook", "events",
                List.of("contact.erased"))).post("/api/v1/event-subscribers").then().statusCode(422).body("errors[0].field", equalTo("url"));
        given().auth().oauth2(data.token(Role.SALES)).get("/api/v1/event-subscribers").then().statusCode(403);
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/event-subscribers").then().statusCode(200).body("$", org.hamcrest.Matchers.hasSize(0));
    }

    private long waiting() throws Exception {
        return data.count("SELECT count(*) FROM event_delivery WHERE status = 'PENDING'");
    }
}
