package dev.valjean.subscription;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.delivery.Dispatcher;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConsentRecordTest {

    static final String HEADER = "email,name,consented_at,consent_source,consent_text,confirmed_at\n";

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
    }

    @Test
    void the_ledger_refuses_update_delete_and_truncate_in_the_database() throws Exception {
        confirmedSubscriber("gil@example.com");
        long events = data.count("SELECT count(*) FROM consent_event");
        assertEquals(2L, events);
        SQLException update = assertThrows(SQLException.class, () -> data.executeAsOwner("UPDATE consent_event SET event = 'CONFIRMED'"));
        assertTrue(update.getMessage().contains("append-only"), update.getMessage());
        assertThrows(SQLException.class, () -> data.executeAsOwner("UPDATE consent_event SET occurred_at = now() - interval '1 year'"));
        SQLException delete = assertThrows(SQLException.class, () -> data.executeAsOwner("DELETE FROM consent_event"));
        assertTrue(delete.getMessage().contains("append-only"), delete.getMessage());
        assertThrows(SQLException.class, () -> data.executeAsOwner("TRUNCATE consent_event CASCADE"));
        assertEquals(events, data.count("SELECT count(*) FROM consent_event"));
        assertEquals(1L, data.count("SELECT count(*) FROM consent_event WHERE event = 'REQUESTED'"));
    }

    @Test
    void erasure_removes_personal_data_keeps_the_counts_and_blocks_a_later_import() throws Exception {
        confirmedSubscriber("hal@example.com");
        data.request().get("/api/v1/contacts/hal@example.com/export").then().statusCode(200)
                .body("contact.email", equalTo("hal@example.com"))
                .body("contact.name", equalTo("Hal"))
                .body("subscriptions[0].status", equalTo("CONFIRMED"))
                .body("subscriptions[0].events.event", hasItem("CONFIRMED"))
                .body("requests[0].ip", equalTo("203.0.113.50"))
                .body("messages[0].purpose", equalTo("CONFIRMATION"))
                .body("messages[0].subject", containsString("Please confirm"));

        data.request().delete("/api/v1/contacts/hal@example.com").then().statusCode(204);

        data.request().get("/api/v1/contacts/hal@example.com/export").then().statusCode(200)
                .body("contact.email", nullValue())
                .body("contact.name", nullValue())
                .body("contact.erasedAt", notNullValue())
                .body("subscriptions[0].status", equalTo("UNSUBSCRIBED"))
                .body("subscriptions[0].events.event", hasItem("ERASED"))
                .body("subscriptions[0].events.ip", everyItemNull())
                .body("requests[0].ip", nullValue())
                .body("requests[0].userAgent", nullValue())
                .body("messages[0].subject", nullValue())
                .body("suppressions.reason", hasItem("ERASURE"));
        assertEquals(3L, data.count("SELECT count(*) FROM consent_event"), "REQUESTED, CONFIRMED and ERASED stay");
        assertEquals(0L, data.count("SELECT count(*) FROM consent_evidence"));
        assertEquals(0L, data.count("SELECT count(*) FROM contact WHERE email IS NOT NULL"));

        data.request().contentType("text/csv").body(HEADER
                + "hal@example.com,Hal,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n")
                .post("/api/v1/newsletters/weekly/imports").then().statusCode(422)
                .contentType("application/problem+json")
                .body("code", equalTo("IMPORT_REFUSED"))
                .body("errors[0].field", equalTo("row 2.email"))
                .body("errors[0].message", containsString("suppression"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED'"));
    }

    @Test
    void an_import_without_evidence_creates_nothing_and_sends_nothing() throws Exception {
        data.request().contentType("text/csv").body(HEADER
                + "ok@example.com,Ok,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n"
                + "noproof@example.com,No Proof,,,,\n"
                + "nodate@example.com,,,https://old.example/form,Send me the weekly,\n")
                .post("/api/v1/newsletters/weekly/imports").then().statusCode(422)
                .body("code", equalTo("IMPORT_REFUSED"))
                .body("errors.field", hasItem("row 3.consented_at"))
                .body("errors.field", hasItem("row 3.consent_source"))
                .body("errors.field", hasItem("row 3.consent_text"))
                .body("errors.field", hasItem("row 3.confirmed_at"))
                .body("errors.field", hasItem("row 4.consented_at"));
        data.request().contentType("text/csv").body("email,name\nx@example.com,X\n")
                .post("/api/v1/newsletters/weekly/imports").then().statusCode(422).body("code", equalTo("IMPORT_COLUMNS_MISSING"));
        assertEquals(0L, data.count("SELECT count(*) FROM contact"));
        assertEquals(0L, data.count("SELECT count(*) FROM subscription"));
        assertEquals(0L, data.count("SELECT count(*) FROM consent_event"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox"));
    }

    @Test
    void an_import_with_evidence_records_it_and_sends_nothing() throws Exception {
        data.request().contentType("text/csv").body(HEADER
                + "ivy@example.com,\"Ivy, the First\",2024-01-01T10:00:00Z,https://old.example/form?id=7,\"Send me the weekly, \"\"please\"\"\",2024-01-01T11:05:00+01:00\n")
                .post("/api/v1/newsletters/weekly/imports").then().statusCode(201)
                .body("imported", equalTo(1)).body("rows", equalTo(1));
        data.request().get("/api/v1/contacts/ivy@example.com/consent").then().statusCode(200)
                .body("subscriptions", hasSize(1))
                .body("subscriptions[0].status", equalTo("CONFIRMED"))
                .body("subscriptions[0].source", equalTo("IMPORT"))
                .body("subscriptions[0].events[0].event", equalTo("IMPORTED"))
                .body("subscriptions[0].events[0].evidenceText", equalTo("Send me the weekly, \"please\""))
                .body("subscriptions[0].events[0].evidenceAt", notNullValue())
                .body("subscriptions[0].events[0].page", equalTo("https://old.example/form"));
        assertEquals(0L, data.count("SELECT count(*) FROM outbox"));
        dispatcher.drain("t");
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
        assertEquals("Ivy, the First", data.text("SELECT name FROM contact"));
    }

    @Test
    void the_data_rights_endpoints_are_for_admins_and_unknown_people_are_404() {
        data.request().get("/api/v1/contacts/nobody@example.com/export").then().statusCode(404)
                .contentType("application/problem+json");
        io.restassured.RestAssured.given().auth().oauth2(data.token(dev.valjean.auth.Role.EDITOR))
                .get("/api/v1/contacts/nobody@example.com/export").then().statusCode(403);
    }

    private void confirmedSubscriber(String email) throws Exception {
        Visitor v = new Visitor("203.0.113.50");
        v.subscribe(email, "Hal", "weekly").then().statusCode(202);
        dispatcher.drain("t");
        v.request().post("/confirm/" + Visitor.confirmToken(email)).then().statusCode(200);
    }

    private static org.hamcrest.Matcher<Iterable<? extends Object>> everyItemNull() {
        return org.hamcrest.Matchers.everyItem(nullValue());
    }
}
