package dev.valjean.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AuthTest {

    /** One operation, found by scanning the compiled resource classes. */
    record Endpoint(String method, String template, String consumes) {
        String key() {
            return method + " " + template;
        }

        String path() {
            return template.replaceAll("\\{[^}]+}", "1");
        }
    }

    private static final String PUBLIC = "PUBLIC";
    /** Public at the token level, but every request must carry the CRM's signature. */
    private static final String SIGNED = "SIGNED";
    /** A console page open to visitors (sign-in and the like). */
    private static final String CONSOLE_PUBLIC = "CONSOLE PUBLIC";
    /** Console pages, for people signed in with one of the roles that follow. */
    private static final String CONSOLE = "CONSOLE";

    /**
     * Who may call what: the README's tables, written here by hand. A route the application has and
     * this table lacks (or the reverse) fails the test, so a new endpoint gets its roles on purpose.
     */
    private static final Map<String, String> EXPECTED = Map.ofEntries(
            Map.entry("POST /api/v1/tokens", "ADMIN"),
            Map.entry("GET /api/v1/tokens", "ADMIN"),
            Map.entry("DELETE /api/v1/tokens/{id}", "ADMIN"),
            Map.entry("GET /api/v1/outbox", "ADMIN"),
            Map.entry("GET /api/v1/outbox/{id}", "ADMIN"),
            Map.entry("POST /api/v1/outbox/test", "ADMIN"),
            Map.entry("POST /api/v1/newsletters", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/newsletters", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/newsletters/{slug}", "ADMIN EDITOR"),
            Map.entry("PATCH /api/v1/newsletters/{slug}", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/newsletters/{slug}/consent-texts", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/subscriptions", PUBLIC),
            Map.entry("GET /api/v1/challenge", PUBLIC),
            Map.entry("GET /api/v1/contacts/{email}/consent", "ADMIN"),
            Map.entry("GET /api/v1/contacts/{email}/export", "ADMIN"),
            Map.entry("DELETE /api/v1/contacts/{email}", "ADMIN"),
            Map.entry("POST /api/v1/contacts/{email}/replied", "ADMIN SALES"),
            Map.entry("POST /api/v1/newsletters/{slug}/imports", "ADMIN"),
            Map.entry("POST /api/v1/newsletters/{slug}/issues", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/newsletters/{slug}/issues", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/issues/{id}", "ADMIN EDITOR"),
            Map.entry("PATCH /api/v1/issues/{id}", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/issues/{id}/preview", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/issues/{id}/test", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/issues/{id}/schedule", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/issues/{id}/send", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/issues/{id}/cancel", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/issues/{id}/resume", "ADMIN"),
            Map.entry("POST /api/v1/bounces/messages", "ADMIN BOUNCES"),
            Map.entry("GET /api/v1/bounces/reports", "ADMIN"),
            Map.entry("GET /api/v1/bounces/reports/{id}/raw", "ADMIN"),
            Map.entry("GET /api/v1/bounces/events", "ADMIN"),
            Map.entry("POST /api/v1/event-subscribers", "ADMIN"),
            Map.entry("GET /api/v1/event-subscribers", "ADMIN"),
            Map.entry("DELETE /api/v1/event-subscribers/{id}", "ADMIN"),
            Map.entry("POST /api/v1/event-subscribers/{id}/resume", "ADMIN"),
            Map.entry("POST /webhooks/bounces/ses", SIGNED),
            Map.entry("POST /webhooks/bounces/sendgrid", SIGNED),
            Map.entry("POST /webhooks/bounces/postmark", SIGNED),
            Map.entry("POST /webhooks/bounces/mailgun", SIGNED),
            Map.entry("PUT /api/v1/accounts/{externalId}", "ADMIN SALES"),
            Map.entry("GET /api/v1/accounts/{externalId}", "ADMIN SALES"),
            Map.entry("PUT /api/v1/opportunities/{externalId}", "ADMIN SALES"),
            Map.entry("PATCH /api/v1/opportunities/{externalId}", "ADMIN SALES"),
            Map.entry("PATCH /api/v1/accounts/{externalId}", "ADMIN SALES"),
            Map.entry("GET /api/v1/opportunities/{externalId}", "ADMIN SALES"),
            Map.entry("POST /api/v1/forms", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/forms", "ADMIN EDITOR"),
            Map.entry("GET /api/v1/sales-requests", "ADMIN SALES"),
            Map.entry("POST /api/v1/sequences", "ADMIN EDITOR SALES"),
            Map.entry("GET /api/v1/sequences", "ADMIN EDITOR SALES"),
            Map.entry("GET /api/v1/sequences/{id}", "ADMIN EDITOR SALES"),
            Map.entry("PATCH /api/v1/sequences/{id}", "ADMIN EDITOR SALES"),
            Map.entry("GET /api/v1/forms/{id}/submissions", "ADMIN EDITOR"),
            Map.entry("POST /api/v1/sequences/{id}/enrollments", "ADMIN SALES"),
            Map.entry("GET /api/v1/enrollments", "ADMIN SALES"),
            Map.entry("POST /api/v1/enrollments/{id}/stop", "ADMIN SALES"),
            Map.entry("GET /api/v1/suppressions", "ADMIN"),
            Map.entry("POST /api/v1/suppressions", "ADMIN"),
            Map.entry("GET /subscribe/{slug}", PUBLIC),
            Map.entry("POST /subscribe/{slug}", PUBLIC),
            Map.entry("GET /embed/{slug}.js", PUBLIC),
            Map.entry("GET /confirm/{token}", PUBLIC),
            Map.entry("POST /confirm/{token}", PUBLIC),
            Map.entry("GET /unsubscribe/{token}", PUBLIC),
            Map.entry("POST /unsubscribe/{token}", PUBLIC),
            Map.entry("GET /preferences/{token}", PUBLIC),
            Map.entry("POST /preferences/{token}", PUBLIC),
            Map.entry("POST /forms/{id}", PUBLIC),
            Map.entry("GET /forms/{id}", PUBLIC),
            Map.entry("GET /archive/{slug}", PUBLIC),
            Map.entry("GET /archive/{slug}/{id}", PUBLIC),
            Map.entry("GET /archive/{slug}/feed.xml", PUBLIC),
            Map.entry("GET /nurture/opt-out/{token}", PUBLIC),
            Map.entry("POST /nurture/opt-out/{token}", PUBLIC),
            Map.entry("POST /webhooks/crm", SIGNED),
            Map.entry("GET /", CONSOLE_PUBLIC),
            Map.entry("GET /console/assets/{name}", CONSOLE_PUBLIC),
            Map.entry("GET /console/sign-in", CONSOLE_PUBLIC),
            Map.entry("POST /console/sign-in", CONSOLE_PUBLIC),
            Map.entry("GET /console/sign-in/{token}", CONSOLE_PUBLIC),
            Map.entry("GET /console/sso", CONSOLE_PUBLIC),
            Map.entry("POST /console/sign-out", CONSOLE_PUBLIC),
            Map.entry("GET /console/forgot-password", CONSOLE_PUBLIC),
            Map.entry("POST /console/forgot-password", CONSOLE_PUBLIC),
            Map.entry("GET /console/invitation/{token}", CONSOLE_PUBLIC),
            Map.entry("POST /console/invitation/{token}", CONSOLE_PUBLIC),
            Map.entry("GET /console/password-reset/{token}", CONSOLE_PUBLIC),
            Map.entry("POST /console/password-reset/{token}", CONSOLE_PUBLIC),
            Map.entry("GET /console", CONSOLE + " ADMIN EDITOR SALES"),
            Map.entry("GET /console/newsletters/{slug}", CONSOLE + " ADMIN EDITOR SALES"),
            Map.entry("GET /console/newsletters/{slug}/issues/new", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/newsletters/{slug}/issues", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/newsletters/{slug}/preview", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/issues/{id}", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/issues/{id}", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/issues/{id}/progress", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/issues/{id}/test", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/issues/{id}/send", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/issues/{id}/send", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/issues/{id}/cancel", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/issues/{id}/resume", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/bounces", CONSOLE + " ADMIN"),
            Map.entry("GET /console/bounces/reports/{id}", CONSOLE + " ADMIN"),
            Map.entry("GET /console/people", CONSOLE + " ADMIN"),
            Map.entry("POST /console/people", CONSOLE + " ADMIN"),
            Map.entry("GET /console/audit", CONSOLE + " ADMIN"),
            Map.entry("GET /console/deals", CONSOLE + " ADMIN SALES"),
            Map.entry("GET /console/deals/{externalId}", CONSOLE + " ADMIN SALES"),
            Map.entry("POST /console/deals/{externalId}/enroll", CONSOLE + " ADMIN SALES"),
            Map.entry("POST /console/deals/{externalId}/enrollments/{id}/stop", CONSOLE + " ADMIN SALES"),
            Map.entry("GET /console/layouts", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/layouts/{name}", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/layouts/{name}", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/newsletters/{slug}/settings", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/newsletters/{slug}/settings", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/newsletters/{slug}/settings/brand", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /brand/{slug}/logo-{hash}", PUBLIC),
            Map.entry("GET /console/embed", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/embed", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/embed/remove", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/people/{id}/role", CONSOLE + " ADMIN"),
            Map.entry("POST /console/people/{id}/active", CONSOLE + " ADMIN"),
            Map.entry("GET /console/contacts", CONSOLE + " ADMIN"),
            Map.entry("GET /console/contacts/{id}", CONSOLE + " ADMIN"),
            Map.entry("GET /console/contacts/{id}/proof", CONSOLE + " ADMIN"),
            Map.entry("GET /console/contacts/{id}/export", CONSOLE + " ADMIN"),
            Map.entry("GET /console/contacts/{id}/messages/{message}", CONSOLE + " ADMIN"),
            Map.entry("POST /console/contacts/{id}/erase", CONSOLE + " ADMIN"),
            Map.entry("POST /console/contacts/{id}/unsubscribe", CONSOLE + " ADMIN"),
            Map.entry("POST /console/contacts/{id}/suppress", CONSOLE + " ADMIN"),
            Map.entry("GET /console/imports", CONSOLE + " ADMIN"),
            Map.entry("POST /console/imports", CONSOLE + " ADMIN"),
            Map.entry("POST /console/imports/preview", CONSOLE + " ADMIN"),
            Map.entry("GET /console/operations", CONSOLE + " ADMIN"),
            Map.entry("POST /console/operations/tokens", CONSOLE + " ADMIN"),
            Map.entry("POST /console/operations/subscribers", CONSOLE + " ADMIN"),
            Map.entry("POST /console/operations/subscribers/{id}/resume", CONSOLE + " ADMIN"),
            Map.entry("POST /console/operations/subscribers/{id}/delete", CONSOLE + " ADMIN"),
            Map.entry("POST /console/operations/tokens/{id}/revoke", CONSOLE + " ADMIN"),
            Map.entry("GET /console/forms", CONSOLE + " ADMIN EDITOR"),
            Map.entry("POST /console/forms", CONSOLE + " ADMIN EDITOR"),
            Map.entry("GET /console/sales-requests", CONSOLE + " ADMIN SALES"),
            Map.entry("POST /console/sales-requests/{id}/handled", CONSOLE + " ADMIN SALES"),
            Map.entry("GET /console/accounts/{externalId}", CONSOLE + " ADMIN SALES"),
            Map.entry("POST /console/accounts/{externalId}/enroll", CONSOLE + " ADMIN SALES"),
            Map.entry("POST /console/accounts/{externalId}/enrollments/{id}/stop", CONSOLE + " ADMIN SALES"),
            Map.entry("GET /console/sequences", CONSOLE + " ADMIN EDITOR SALES"),
            Map.entry("GET /console/sequences/new", CONSOLE + " ADMIN EDITOR SALES"),
            Map.entry("GET /console/sequences/{id}", CONSOLE + " ADMIN EDITOR SALES"),
            Map.entry("POST /console/sequences", CONSOLE + " ADMIN EDITOR SALES"),
            Map.entry("POST /console/sequences/{id}", CONSOLE + " ADMIN EDITOR SALES"));

    /** Quarkus' own routes: probes and the API description public, the rest for admins. */
    private static final Map<String, String> EXPECTED_Q = Map.of(
            "GET /q/health", PUBLIC, "GET /q/health/live", PUBLIC, "GET /q/health/ready", PUBLIC,
            "GET /q/health/started", PUBLIC, "GET /q/openapi", PUBLIC,
            "GET /q/metrics", "ADMIN", "GET /q/swagger-ui/", "ADMIN");

    @Inject
    TestData data;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void every_route_of_the_application_answers_each_caller_as_the_readme_says() throws Exception {
        List<Endpoint> all = endpoints();
        Map<String, Endpoint> byKey = new java.util.TreeMap<>();
        all.forEach(e -> byKey.putIfAbsent(e.key(), e));
        assertEquals(new java.util.TreeSet<>(EXPECTED.keySet()), byKey.keySet(), "the routes the application has");
        assertEquals(openApiOperationCount(), byKey.keySet().stream().filter(k -> !EXPECTED.get(k).startsWith(CONSOLE)).count(),
                "the scan finds every operation of the OpenAPI document (console pages are not in it)");
        Map<Role, String> tokens = Map.of(Role.EDITOR, data.token(Role.EDITOR), Role.SALES, data.token(Role.SALES),
                Role.ADMIN, TestData.ADMIN, Role.BOUNCES, data.token(Role.BOUNCES));

        Map<String, Endpoint> everything = new java.util.TreeMap<>(byKey);
        EXPECTED_Q.keySet().forEach(k -> everything.put(k, new Endpoint("GET", k.substring(4), "application/json")));
        int checked = 0;
        for (Endpoint endpoint : everything.values()) {
            String expected = EXPECTED.getOrDefault(endpoint.key(), EXPECTED_Q.get(endpoint.key()));
            if (expected.equals(CONSOLE_PUBLIC)) {
                // Open to visitors; a state-changing request still needs the form's CSRF token, whatever else it carries.
                for (String token : new String[] { null, TestData.ADMIN }) {
                    Response answer = call(endpoint, token);
                    if (endpoint.method().equals("GET")) {
                        assertTrue(answer.statusCode() < 500 && answer.statusCode() != 401 && answer.statusCode() != 403,
                                endpoint + " is public but answered " + answer.statusCode());
                    } else {
                        answer.then().statusCode(403).contentType(containsString("text/html"));
                    }
                }
            } else if (expected.startsWith(CONSOLE)) {
                // People with a session only: an API token does not open the console, and changes nothing.
                for (String token : new String[] { null, "vj_not-a-real-token", TestData.ADMIN }) {
                    call(endpoint, token).then().statusCode(303).header("Location", containsString("/console/sign-in?then="));
                }
                checked++;
            } else if (expected.equals(SIGNED)) {
                for (String token : new String[] { null, TestData.ADMIN }) {
                    call(endpoint, token).then().statusCode(401).body("code", equalTo("UNAUTHORIZED"));
                }
            } else if (expected.equals(PUBLIC)) {
                int status = call(endpoint, null).statusCode();
                assertTrue(status != 401 && status != 403, endpoint + " is public but answered " + status);
            } else {
                call(endpoint, null).then().statusCode(401).contentType("application/problem+json")
                        .body("code", equalTo("UNAUTHORIZED"));
                call(endpoint, "vj_not-a-real-token").then().statusCode(401).body("code", equalTo("UNAUTHORIZED"));
                for (Role role : Role.values()) {
                    Response answer = call(endpoint, tokens.get(role));
                    if (List.of(expected.split(" ")).contains(role.name())) {
                        assertTrue(answer.statusCode() != 401 && answer.statusCode() != 403,
                                endpoint + " admits " + role + " but answered " + answer.statusCode());
                    } else {
                        answer.then().statusCode(403).contentType("application/problem+json").body("code", equalTo("FORBIDDEN"));
                    }
                    checked++;
                }
            }
        }
        assertTrue(checked > 100, "role checks made: " + checked);
    }

    @Test
    void an_endpoint_without_a_declaration_is_denied_to_everyone() {
        given().get("/test-only/undeclared").then().statusCode(403).body("code", equalTo("FORBIDDEN"));
        given().auth().oauth2(TestData.ADMIN).get("/test-only/undeclared").then().statusCode(403)
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("never be seen")));
    }

    @Test
    void an_admin_creates_a_token_that_works_until_it_is_revoked() {
        Response created = given().auth().oauth2(TestData.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "newsletter desk", "role", "EDITOR", "email", "desk@example.com"))
                .post("/api/v1/tokens");
        created.then().statusCode(201).body("token", startsWith("vj_")).body("role", equalTo("EDITOR"));
        String secret = created.path("token");
        int id = created.path("id");

        given().auth().oauth2(secret).get("/api/v1/outbox").then().statusCode(403);
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/tokens").then().statusCode(200)
                .body("find { it.id == " + id + " }.name", equalTo("newsletter desk"))
                .body("token", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.nullValue()));

        given().auth().oauth2(TestData.ADMIN).delete("/api/v1/tokens/" + id).then().statusCode(200)
                .body("revokedAt", org.hamcrest.Matchers.notNullValue());
        given().auth().oauth2(secret).get("/api/v1/outbox").then().statusCode(401);
        given().auth().oauth2(TestData.ADMIN).delete("/api/v1/tokens/" + id).then().statusCode(409)
                .body("code", equalTo("TOKEN_ALREADY_REVOKED"));
    }

    @Test
    void the_last_admin_token_cannot_be_revoked() {
        int bootstrapId = given().auth().oauth2(TestData.ADMIN).get("/api/v1/tokens")
                .path("find { it.role == 'ADMIN' }.id");
        given().auth().oauth2(TestData.ADMIN).delete("/api/v1/tokens/" + bootstrapId).then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("LAST_ADMIN_TOKEN"));
        given().auth().oauth2(TestData.ADMIN).get("/api/v1/tokens").then().statusCode(200);
    }

    private static Response call(Endpoint endpoint, String token) {
        RequestSpecification request = given().redirects().follow(false);
        if (token != null) {
            request = request.header("Authorization", "Bearer " + token);
        }
        if (endpoint.consumes().contains("multipart")) {
            request = request.multiPart("x", "1");
        } else if (!endpoint.method().equals("GET") && !endpoint.method().equals("DELETE")) {
            boolean json = endpoint.consumes().contains("json");
            if (endpoint.consumes().contains("rfc822")) {
                request = request.contentType("message/rfc822").body("Subject: x\r\n\r\nx\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else {
                request = request.contentType(json ? "application/json" : endpoint.consumes().contains("csv") ? "text/csv"
                        : "application/x-www-form-urlencoded").body(json ? "{}" : "x=1");
            }
        }
        return request.request(endpoint.method(), endpoint.path());
    }

    /** Every resource method in the application, found in the compiled classes. */
    static List<Endpoint> endpoints() throws IOException, ClassNotFoundException {
        List<Endpoint> endpoints = new ArrayList<>();
        Path classes = Path.of("target/classes");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class") && !p.toString().contains("$")).toList();
        }
        for (Path file : files) {
            String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
            Class<?> type = Class.forName(name, false, AuthTest.class.getClassLoader());
            jakarta.ws.rs.Path root = type.getAnnotation(jakarta.ws.rs.Path.class);
            if (root == null) {
                continue;
            }
            for (Method method : type.getDeclaredMethods()) {
                String verb = verb(method);
                if (verb == null) {
                    continue;
                }
                jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
                String path = ("/" + root.value() + (sub == null ? "" : "/" + sub.value())).replaceAll("/+", "/");
                if (path.endsWith("/") && path.length() > 1) {
                    path = path.substring(0, path.length() - 1);
                }
                Consumes consumes = method.getAnnotation(Consumes.class);
                if (consumes == null) {
                    consumes = type.getAnnotation(Consumes.class);
                }
                endpoints.add(new Endpoint(verb, path.replaceAll("\\{\\s*([A-Za-z]+)[^}]*}", "{$1}"),
                        consumes == null ? "application/json" : consumes.value()[0]));
            }
        }
        return endpoints;
    }

    private static String verb(Method method) {
        if (method.isAnnotationPresent(GET.class)) {
            return "GET";
        } else if (method.isAnnotationPresent(POST.class)) {
            return "POST";
        } else if (method.isAnnotationPresent(PUT.class)) {
            return "PUT";
        } else if (method.isAnnotationPresent(DELETE.class)) {
            return "DELETE";
        } else if (method.isAnnotationPresent(PATCH.class)) {
            return "PATCH";
        }
        return null;
    }

    private static int openApiOperationCount() {
        Map<String, Map<String, Object>> paths = given().accept("application/json").get("/q/openapi?format=json")
                .path("paths");
        return paths.entrySet().stream().filter(e -> !e.getKey().startsWith("/test-only/"))
                .mapToInt(e -> (int) e.getValue().keySet().stream()
                        .filter(k -> List.of("get", "post", "put", "delete", "patch").contains(k)).count())
                .sum();
    }
}
