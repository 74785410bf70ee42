package dev.valjean.privacy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.common.Sql;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Export and erasure cover every table that holds personal data, where "personal" is read off the
 * database schema itself: a table added later with an address, a name, an IP, a user agent or
 * free-form fields cannot be forgotten, because this test finds it and fails until it is handled.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ErasureCoversTheSchemaTest {

    /** Column names that hold personal data: addresses, names, IPs, user agents, free text about or from a person. */
    private static final Pattern PERSONAL = Pattern.compile(
            "email|email_normalized|name|ip|user_agent|fields|time_zone|subject|body_text|body_html|last_reply"
                    + "|.*_email|.*_ip|.*_name|.*_address");

    /** Tables whose personal-looking columns are not about a contact, and why. */
    private static final Map<String, String> NOT_ABOUT_A_CONTACT = Map.of(
            "account", "a company in the CRM",
            "api_token", "an operator's token: Valjean's own users, not the people it mails",
            "form", "the form's own name",
            "issue", "the newsletter issue's subject, the same for every reader",
            "newsletter", "the newsletter's name, sender and postal address",
            "opportunity", "the deal's name and its owner, a sales rep",
            "sequence", "the sequence's name and its steps, the same for every person",
            "person", "Valjean's own users who sign in to the console, not the people it mails",
            "audit_event", "who did what: people and tokens of Valjean's own users (contacts appear only by id)",
            "layout_version", "the layout's name and who of the team saved it");

    /** How to find a contact's rows in a table that has no contact_id of its own. */
    private static final Map<String, String> LINKED = Map.of(
            "consent_evidence", "event_id IN (SELECT id FROM consent_event WHERE contact_id = ?)",
            "bounce_report", "id IN (SELECT report_id FROM bounce_event WHERE contact_id = ?)");

    @Inject
    TestData data;
    @Inject
    Sql sql;
    @Inject
    Dispatcher dispatcher;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    /** table -> its personal columns, from information_schema. */
    private Map<String, List<String>> personalColumns() {
        Map<String, List<String>> tables = new TreeMap<>();
        for (Map<String, Object> c : sql.rows("""
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type IN ('text', 'jsonb', 'character varying')
                ORDER BY table_name, ordinal_position""")) {
            String column = (String) c.get("column_name");
            if (PERSONAL.matcher(column).matches()) {
                tables.computeIfAbsent((String) c.get("table_name"), t -> new ArrayList<>()).add(column);
            }
        }
        tables.remove("flyway_schema_history");
        return tables;
    }

    private boolean hasContactId(String table) {
        return sql.firstLong("""
                SELECT count(*) FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'contact_id'""", table)
                .orElse(0L) > 0 || table.equals("contact");
    }

    @Test
    void every_table_with_personal_columns_is_either_tied_to_a_contact_or_known_not_to_be_about_one() {
        Map<String, List<String>> tables = personalColumns();
        assertTrue(tables.containsKey("contact") && tables.containsKey("form_submission"), tables.toString());
        List<String> unclassified = new ArrayList<>();
        for (String table : tables.keySet()) {
            if (!hasContactId(table) && !LINKED.containsKey(table) && !NOT_ABOUT_A_CONTACT.containsKey(table)) {
                unclassified.add(table + " " + tables.get(table));
            }
        }
        assertEquals(List.of(), unclassified, "tables with personal data that neither export nor erasure knows how to find");
    }

    @Test
    void erasure_leaves_no_personal_value_of_the_person_in_any_table_the_schema_names() throws Exception {
        data.newsletter("weekly");
        String email = "erin@client.example";
        // A sign-up, confirmed; a demo request through a form; a place on a deal with a time zone; mail sent.
        given().contentType(ContentType.JSON).header("X-Forwarded-For", "203.0.113.50").header("User-Agent", "ErinBrowser/1")
                .body(Map.of("email", email, "name", "Erin", "newsletters", List.of("weekly"), "consent", true))
                .header("Authorization", "Bearer " + TestData.ADMIN).post("/api/v1/subscriptions").then().statusCode(202);
        assertEquals(1, dispatcher.drain("t"), "the confirmation is sent");
        String body = data.text("SELECT body_text FROM outbox WHERE purpose = 'CONFIRMATION'");
        given().header("X-Forwarded-For", "203.0.113.51").post("/confirm/" + body.replaceAll("(?s).*/confirm/([A-Za-z0-9_-]+).*", "$1"))
                .then().statusCode(200);
        String form = given().auth().oauth2(data.token(Role.EDITOR)).contentType(ContentType.JSON)
                .body(Map.of("kind", "DEMO_REQUEST", "name", "Book a demo")).post("/api/v1/forms").then().statusCode(201)
                .extract().path("id");
        given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON).header("User-Agent", "ErinBrowser/1")
                .body(Map.of("email", email, "company", "Client Ltd", "industry", "Software", "employees", "400", "country", "DE"))
                .post("/forms/" + form).then().statusCode(202);
        given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON).body(Map.of("name", "Client", "customer", true))
                .put("/api/v1/accounts/client").then().statusCode(201);
        given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON).body(Map.of("account", "client", "name", "Renewal",
                "status", "OPEN", "contacts", List.of(Map.of("email", email, "name", "Erin", "timeZone", "Europe/Madrid"))))
                .put("/api/v1/opportunities/renewal").then().statusCode(201);
        long contactId = data.count("SELECT id FROM contact WHERE email_normalized = '" + email + "'");

        Map<String, List<String>> tables = personalColumns();
        Map<String, Long> before = holdings(tables, contactId);
        for (String table : List.of("contact", "subscription_request", "consent_evidence", "form_submission", "outbox")) {
            assertTrue(before.getOrDefault(table, 0L) > 0, "the scenario puts the person in " + table + ": " + before);
        }
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/contacts/" + email + "/export").then().statusCode(200)
                .body("formSubmissions", hasSize(1)).body("formSubmissions[0].ip", equalTo("127.0.0.1"))
                .body("salesRequests", hasSize(1)).body("contact.name", equalTo("Erin"));

        given().auth().oauth2(TestData.ADMIN).delete("/api/v1/contacts/" + email).then().statusCode(204);

        Map<String, Long> after = holdings(tables, contactId);
        assertEquals(Map.of(), after, "personal values of the person left after erasure (table -> values)");
    }

    /** Per table tied to a contact: how many non-empty personal values of this contact it holds. */
    private Map<String, Long> holdings(Map<String, List<String>> tables, long contactId) {
        Map<String, Long> held = new TreeMap<>();
        for (var entry : tables.entrySet()) {
            String table = entry.getKey();
            if (NOT_ABOUT_A_CONTACT.containsKey(table)) {
                continue;
            }
            String where = table.equals("contact") ? "id = ?" : LINKED.getOrDefault(table, "contact_id = ?");
            StringBuilder count = new StringBuilder("SELECT ");
            List<String> terms = new ArrayList<>();
            for (String column : new TreeSet<>(entry.getValue())) {
                terms.add("count(" + column + ")");
            }
            count.append(String.join(" + ", terms)).append(" FROM ").append(table).append(" WHERE ").append(where);
            long n = sql.firstLong(count.toString(), contactId).orElse(0L);
            if (n > 0) {
                held.put(table, n);
            }
        }
        return held;
    }
}
