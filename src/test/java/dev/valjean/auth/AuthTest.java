package dev.valjean.auth;

import static io.restassured.RestAssured.given;
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

    /** One protected operation, found by scanning the compiled resource classes. */
    record Endpoint(String method, String path, String consumes, Role[] allowed, boolean isPublic) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @Inject
    TestData data;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void every_admin_api_endpoint_answers_401_without_a_token_and_403_with_a_role_it_does_not_admit() throws Exception {
        List<Endpoint> all = apiEndpoints();
        // Two methods may serve one operation with different media types (JSON and a printable page).
        long operations = all.stream().map(e -> e.method() + " " + e.path()).distinct().count();
        assertEquals(openApiOperationCount(), operations, "the scan finds every /api/v1 operation of the OpenAPI document");
        List<Endpoint> endpoints = all.stream().filter(e -> !e.isPublic()).toList();
        assertFalse(endpoints.isEmpty());
        Map<Role, String> tokens = Map.of(Role.EDITOR, data.token(Role.EDITOR), Role.SALES, data.token(Role.SALES),
                Role.ADMIN, TestData.ADMIN);

        int forbiddenChecked = 0;
        for (Endpoint endpoint : endpoints) {
            call(endpoint, null).then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .body("code", equalTo("UNAUTHORIZED"));
            call(endpoint, "vj_not-a-real-token").then()
                    .statusCode(401)
                    .body("code", equalTo("UNAUTHORIZED"));
            for (Role role : Role.values()) {
                if (Arrays.asList(endpoint.allowed()).contains(role)) {
                    continue;
                }
                call(endpoint, tokens.get(role)).then()
                        .statusCode(403)
                        .contentType("application/problem+json")
                        .body("code", equalTo("FORBIDDEN"));
                forbiddenChecked++;
            }
        }
        assertTrue(forbiddenChecked > 0);
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
        RequestSpecification request = given();
        if (token != null) {
            request = request.header("Authorization", "Bearer " + token);
        }
        if (!endpoint.method().equals("GET") && !endpoint.method().equals("DELETE")) {
            request = request.contentType(endpoint.consumes()).body(endpoint.consumes().contains("json") ? "{}" : "");
        }
        return request.request(endpoint.method(), endpoint.path());
    }

    /** Every /api/v1 resource method in the application. */
    static List<Endpoint> apiEndpoints() throws IOException, ClassNotFoundException {
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
                String path = (root.value() + (sub == null ? "" : "/" + sub.value())).replaceAll("/+", "/");
                if (path.endsWith("/") && path.length() > 1) {
                    path = path.substring(0, path.length() - 1);
                }
                if (!path.startsWith("/api/v1/")) {
                    continue;
                }
                Consumes consumes = method.getAnnotation(Consumes.class);
                if (consumes == null) {
                    consumes = type.getAnnotation(Consumes.class);
                }
                endpoints.add(new Endpoint(verb, path.replaceAll("\\{[^}]+}", "1"),
                        consumes == null ? "application/json" : consumes.value()[0],
                        AuthFilter.allowedRoles(method, type), AuthFilter.isPublic(method, type)));
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
        return paths.entrySet().stream().filter(e -> e.getKey().startsWith("/api/v1/"))
                .mapToInt(e -> (int) e.getValue().keySet().stream()
                        .filter(k -> List.of("get", "post", "put", "delete", "patch").contains(k)).count())
                .sum();
    }
}
