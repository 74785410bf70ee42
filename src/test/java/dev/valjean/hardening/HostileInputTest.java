package dev.valjean.hardening;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** What an attacker or a careless client sends is answered with a clear 4xx, and changes nothing. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HostileInputTest {

    @Inject
    TestData data;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
    }

    @Test
    void an_unknown_field_is_refused_naming_it_so_nobody_believes_it_took_effect() throws Exception {
        problem(data.request().contentType(ContentType.JSON)
                .body("{\"kind\":\"GATED_DOWNLOAD\",\"name\":\"Ebook\",\"sequence\":5}").post("/api/v1/forms").then(),
                422, "UNKNOWN_FIELD").body("errors[0].field", equalTo("sequence"));
        assertEquals(0L, data.count("SELECT count(*) FROM form"));
        problem(data.request().contentType(ContentType.JSON)
                .body(Map.of("name", "Acme", "customer", false, "colour", "red")).put("/api/v1/accounts/acme").then(),
                422, "UNKNOWN_FIELD").body("errors[0].field", equalTo("colour"));
        problem(data.request().contentType(ContentType.JSON).body(Map.of("account", "acme", "name", "Deal", "status", "OPEN",
                "contacts", List.of(Map.of("email", "a@prospect.example", "nickname", "A")))).put("/api/v1/opportunities/d1").then(),
                422, "UNKNOWN_FIELD").body("errors[0].field", equalTo("contacts[0].nickname"));
    }

    @Test
    void strings_are_not_coerced_into_booleans_or_numbers_and_keys_do_not_repeat() throws Exception {
        problem(given().contentType(ContentType.JSON).body("{\"email\":\"x@example.com\",\"newsletters\":[\"weekly\"],"
                + "\"consent\":\"true\"}").post("/api/v1/subscriptions").then(), 400, "MALFORMED_JSON")
                .body("errors[0].field", equalTo("consent"));
        problem(data.request().contentType(ContentType.JSON).body("{\"name\":\"Acme\",\"customer\":false,\"employeeCount\":\"5\"}")
                .put("/api/v1/accounts/acme").then(), 400, "MALFORMED_JSON");
        problem(data.request().contentType(ContentType.JSON).body("{\"name\":\"Acme\",\"customer\":false,\"customer\":true}")
                .put("/api/v1/accounts/acme").then(), 400, "MALFORMED_JSON");
        assertEquals(0L, data.count("SELECT count(*) FROM account") + data.count("SELECT count(*) FROM subscription"));
    }

    @Test
    void a_nul_or_control_character_is_refused_naming_the_field_and_never_reaches_the_database() throws Exception {
        problem(data.request().contentType(ContentType.JSON).body("{\"name\":\"Ac\\u0000me\",\"customer\":false}")
                .put("/api/v1/accounts/acme").then(), 422, "VALIDATION_FAILED").body("errors[0].field", equalTo("name"));
        problem(data.request().contentType(ContentType.JSON).body("{\"account\":\"acme\",\"name\":\"Deal\",\"status\":\"OPEN\","
                + "\"contacts\":[{\"email\":\"a@prospect.example\",\"name\":\"Eve\\r\\nBcc: x@evil.example\"}]}")
                .put("/api/v1/opportunities/d1").then(), 422, "VALIDATION_FAILED")
                .body("errors[0].field", equalTo("contacts[0].name"));
        String form = data.request().contentType(ContentType.JSON).body(Map.of("kind", "GATED_DOWNLOAD", "name", "Ebook"))
                .post("/api/v1/forms").then().statusCode(201).extract().path("id");
        problem(given().contentType(ContentType.JSON).body("{\"email\":\"a@example.com\",\"company\":\"Ev\\u0000il\"}")
                .post("/forms/" + form).then(), 422, "VALIDATION_FAILED").body("errors[0].field", equalTo("company"));
        problem(given().contentType(ContentType.JSON).body("{\"email\":\"a@example.com\",\"company\":{\"nested\":1}}")
                .post("/forms/" + form).then(), 422, "VALIDATION_FAILED");
        for (String path : List.of("/archive/%00", "/embed/%00.js", "/subscribe/%00", "/archive/weekly/%01",
                "/api/v1/outbox?email=a%00@example.com")) {
            int status = data.request().urlEncodingEnabled(false).get(path).then().extract().statusCode();
            assertTrue(status >= 400 && status < 500, path + " answered " + status);
        }
        assertEquals(0L, data.count("SELECT count(*) FROM account") + data.count("SELECT count(*) FROM form_submission"));
    }

    @Test
    void a_malformed_form_body_is_a_400_not_a_500() {
        int status = given().contentType("application/x-www-form-urlencoded; charset=UTF-8").body("email=%%%%&consent=true")
                .post("/subscribe/weekly").then().extract().statusCode();
        assertEquals(400, status);
        int nul = given().contentType("application/x-www-form-urlencoded; charset=UTF-8").body("email=a%00@example.com&consent=true")
                .post("/subscribe/weekly").then().extract().statusCode();
        assertEquals(400, nul);
    }

    @Test
    void a_post_without_a_body_to_a_route_that_reads_it_early_is_answered_at_once() throws Exception {
        // EarlyBody reads these bodies before Quarkus REST; with no body to read it must not leave the
        // request waiting for one (a raw socket: no client adds a body or a length of its own).
        for (String request : List.of("POST /api/v1/subscriptions", "POST /unsubscribe/1.AAAA")) {
            for (String length : List.of("", "Content-Length: 0\r\n")) {
                String statusLine = statusLineOf(request + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestData.ADMIN
                        + "\r\nContent-Type: application/json\r\n" + length + "Connection: close\r\n\r\n");
                assertTrue(statusLine != null && statusLine.matches("HTTP/1.1 4\\d\\d .*"), request + " answered: " + statusLine);
            }
        }
    }

    @Test
    void a_one_click_form_that_does_not_decode_is_a_400_problem_that_names_no_exception() throws Exception {
        // The one-click's body is decoded by Vert.x (EarlyBody); its failure must read as Valjean's own answers do.
        String answer = given().contentType("application/x-www-form-urlencoded").body("name=%&List-Unsubscribe=One-Click")
                .post("/unsubscribe/1.AAAA").then().statusCode(400).contentType("application/problem+json").extract().asString();
        assertFalse(answer.contains("Exception") || answer.contains("java.") || answer.contains("netty"), answer);
    }

    /** The status line the server answers to what is written on a raw socket (read within 10 s). */
    private static String statusLineOf(String written) throws java.io.IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(written.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void a_body_over_the_limit_is_a_413() throws Exception {
        // A raw socket: the server answers 413 as soon as it reads the declared length and closes the
        // connection, so a client that insists on writing the whole 3 MiB may get a broken pipe instead
        // of the answer. Only the start of the body is written here; the answer must not wait for the rest.
        int length = 3 * 1024 * 1024;
        // The bodies of a sign-up and a one-click are read by a route of their own (EarlyBody), before Quarkus REST: the same limit holds there.
        for (String request : List.of("PUT /api/v1/accounts/acme", "POST /api/v1/subscriptions", "POST /unsubscribe/1.AAAA")) {
            String statusLine = statusLineOf(request + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestData.ADMIN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n{\"name\":\"aaaa");
            assertTrue(statusLine != null && statusLine.startsWith("HTTP/1.1 413"), request + " answered: " + statusLine);
        }
        assertEquals(0, data.count("SELECT count(*) FROM account WHERE external_id = 'acme'"), "nothing stored");
    }

    @Test
    void a_sign_up_body_over_64_kb_is_a_413_and_one_under_it_is_read_whole() throws Exception {
        // The sign-up is parsed on the event loop: its body has a limit of its own, far under the server's.
        String over = "{\"email\":\"" + "a".repeat(70 * 1024) + "@example.com\",\"newsletters\":[\"weekly\"],\"consent\":true}";
        given().contentType(ContentType.JSON).body(over).header("Authorization", "Bearer " + TestData.ADMIN)
                .post("/api/v1/subscriptions").then().statusCode(413).contentType("application/problem+json")
                .body("code", org.hamcrest.Matchers.is("PAYLOAD_TOO_LARGE"));
        // A body just under it is read and answered as any other (here: the address is too long).
        String under = "{\"email\":\"" + "a".repeat(60 * 1024) + "@example.com\",\"newsletters\":[\"weekly\"],\"consent\":true}";
        given().contentType(ContentType.JSON).body(under).header("Authorization", "Bearer " + TestData.ADMIN)
                .post("/api/v1/subscriptions").then().statusCode(422).contentType("application/problem+json");
        assertEquals(0, data.count("SELECT count(*) FROM contact WHERE email LIKE 'aaaa%'"), "nothing stored");
    }

    @Test
    void a_stranger_cannot_rename_a_confirmed_subscriber_the_name_applies_when_the_request_is_confirmed() throws Exception {
        data.newsletter("monthly");
        confirmedSubscriber("ann@example.com", "Ann", "weekly");
        given().contentType(ContentType.JSON).body(Map.of("email", "ann@example.com", "name", "Mallory", "newsletters",
                List.of("monthly"), "consent", true)).header("Authorization", "Bearer " + TestData.ADMIN)
                .post("/api/v1/subscriptions").then().statusCode(202);
        assertEquals("Ann", data.text("SELECT name FROM contact WHERE email = 'ann@example.com'"), "not renamed by a request");
    }

    @Test
    void the_outbox_api_never_shows_a_confirmation_link_that_works() throws Exception {
        given().contentType(ContentType.JSON).body(Map.of("email", "bea@example.com", "newsletters", List.of("weekly"),
                "consent", true)).header("Authorization", "Bearer " + TestData.ADMIN).post("/api/v1/subscriptions").then()
                .statusCode(202);
        long id = data.count("SELECT id FROM outbox WHERE purpose = 'CONFIRMATION'");
        String stored = data.text("SELECT body_text FROM outbox WHERE id = " + id);
        String token = stored.replaceAll("(?s).*/confirm/([A-Za-z0-9_-]+).*", "$1");
        assertTrue(token.length() >= 16, "the stored message holds the link it will send");
        data.request().get("/api/v1/outbox/" + id).then().statusCode(200)
                .body("bodyText", containsString("/confirm/[redacted]")).body(not(containsString(token)));
    }

    @Test
    void a_suppression_holds_whatever_the_case_of_the_local_part() throws Exception {
        data.request().contentType(ContentType.JSON).body(Map.of("email", "bob@example.com", "reason", "GLOBAL_OPT_OUT"))
                .post("/api/v1/suppressions").then().statusCode(201);
        data.request().get("/api/v1/suppressions?email=Bob@Example.COM").then().statusCode(200)
                .body(containsString("GLOBAL_OPT_OUT"));
        given().contentType(ContentType.JSON).body(Map.of("email", "Bob@example.com", "newsletters", List.of("weekly"),
                "consent", true)).header("Authorization", "Bearer " + TestData.ADMIN).post("/api/v1/subscriptions").then()
                .statusCode(202);
        assertEquals(1L, data.count("SELECT count(*) FROM contact"), "one person, not two");
    }

    @Test
    void domains_follow_idna2008_and_a_local_part_outside_ascii_is_refused_at_sign_up() throws Exception {
        given().contentType(ContentType.JSON).body(Map.of("email", "anna@faß.de", "newsletters", List.of("weekly"),
                "consent", true)).header("Authorization", "Bearer " + TestData.ADMIN).post("/api/v1/subscriptions").then()
                .statusCode(202);
        assertEquals("anna@xn--fa-hia.de", data.text("SELECT email_normalized FROM contact"), "not fass.de, another domain");
        problem(given().contentType(ContentType.JSON).body(Map.of("email", "jürgen@example.de", "newsletters", List.of("weekly"),
                "consent", true)).header("Authorization", "Bearer " + TestData.ADMIN).post("/api/v1/subscriptions").then(),
                422, "INVALID_EMAIL");
    }

    private void confirmedSubscriber(String email, String name, String slug) throws Exception {
        given().contentType(ContentType.JSON).body(Map.of("email", email, "name", name, "newsletters", List.of(slug),
                "consent", true)).header("Authorization", "Bearer " + TestData.ADMIN).post("/api/v1/subscriptions").then()
                .statusCode(202);
        String body = data.text("SELECT body_text FROM outbox WHERE purpose = 'CONFIRMATION' ORDER BY id DESC LIMIT 1");
        String token = body.replaceAll("(?s).*/confirm/([A-Za-z0-9_-]+).*", "$1");
        given().post("/confirm/" + token).then().statusCode(200);
        assertEquals(name, data.text("SELECT name FROM contact WHERE email = '" + email + "'"));
        assertFalse(token.isEmpty());
    }

    private static ValidatableResponse problem(ValidatableResponse response, int status, String code) {
        return response.statusCode(status).contentType("application/problem+json").body("code", equalTo(code))
                .body(not(containsString("Exception"))).body(not(containsString("dev.valjean")))
                .body(not(containsString("SQL")));
    }
}
