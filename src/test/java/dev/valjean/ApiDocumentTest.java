package dev.valjean;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.support.SmtpServers;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The OpenAPI document a client is generated from: every operation described, secured and with its errors. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ApiDocumentTest {

    @Test
    void every_operation_has_a_summary_in_words_a_tag_its_errors_and_a_security_requirement_unless_public() throws Exception {
        String text = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        java.nio.file.Files.writeString(java.nio.file.Path.of("target/openapi.json"), text);
        JsonNode doc = new ObjectMapper().readTree(text);
        assertTrue(doc.path("openapi").asText().startsWith("3.1"), doc.path("openapi").asText());
        assertEquals("bearer", doc.path("components").path("securitySchemes").path("bearer").path("scheme").asText());
        List<String> faults = new ArrayList<>();
        int operations = 0;
        java.util.Set<String> operationIds = new java.util.HashSet<>();
        for (var path : (Iterable<Map.Entry<String, JsonNode>>) doc.path("paths")::fields) {
            for (var op : (Iterable<Map.Entry<String, JsonNode>>) path.getValue()::fields) {
                if (!List.of("get", "put", "post", "patch", "delete").contains(op.getKey()) || path.getKey().startsWith("/test-only")) {
                    continue;
                }
                operations++;
                String name = op.getKey().toUpperCase() + " " + path.getKey();
                JsonNode o = op.getValue();
                String summary = o.path("summary").asText("");
                // a sentence a person wrote, not a method name split in words ("Put Account")
                if (summary.length() < 12 || !summary.contains(" ") || summary.matches("([A-Z][a-z]+ ?)+")) {
                    faults.add(name + ": summary '" + summary + "'");
                }
                if (o.path("description").asText("").length() < 20) {
                    faults.add(name + ": no description");
                }
                String id = o.path("operationId").asText("");
                if (!id.matches("[a-z][A-Za-z0-9]+") || !operationIds.add(id)) {
                    faults.add(name + ": operationId '" + id + "' missing, malformed or used twice");
                }
                var successes = new ArrayList<String>();
                o.path("responses").fieldNames().forEachRemaining(code -> {
                    if (code.startsWith("2")) {
                        successes.add(code);
                    }
                });
                if (successes.isEmpty()) {
                    faults.add(name + ": no success answer");
                }
                for (String code : successes) {
                    // a success answer says what comes back, except 204
                    if (!code.equals("204") && !o.path("responses").path(code).path("content").fieldNames().hasNext()) {
                        faults.add(name + ": " + code + " has no content");
                    }
                }
                if (o.path("tags").size() != 1) {
                    faults.add(name + ": tags " + o.path("tags"));
                }
                boolean isPublic = !path.getKey().startsWith("/api/v1") || name.equals("POST /api/v1/subscriptions")
                        || name.equals("GET /api/v1/challenge");
                if (!isPublic && (!o.path("security").toString().contains("bearer") || !o.path("responses").has("401")
                        || !o.path("responses").has("403"))) {
                    faults.add(name + ": no bearer security or 401/403");
                }
                if (!o.path("responses").fieldNames().hasNext()) {
                    faults.add(name + ": no responses");
                }
                o.path("responses").fields().forEachRemaining(r -> {
                    if (r.getKey().startsWith("4") && !r.getValue().path("content").has("application/problem+json")) {
                        faults.add(name + ": " + r.getKey() + " is not a problem");
                    }
                });
            }
        }
        assertTrue(operations > 60, "operations: " + operations);
        // the real answers, not the generator's guesses
        JsonNode create = doc.at("/paths/~1api~1v1~1newsletters/post/responses");
        assertEquals("#/components/schemas/NewsletterView", create.at("/201/content/application~1json/schema/$ref").asText(), create.toString());
        assertTrue(create.at("/409/description").asText().contains("SLUG_TAKEN"), create.toString());
        assertEquals("#/components/schemas/TestQueued",
                doc.at("/paths/~1api~1v1~1issues~1{id}~1test/post/responses/202/content/application~1json/schema/$ref").asText());
        assertEquals("#/components/schemas/OpportunityPatch", doc.at(
                "/paths/~1api~1v1~1opportunities~1{externalId}/patch/requestBody/content/application~1merge-patch+json/schema/$ref").asText());
        assertEquals("#/components/schemas/OpportunityPatch", doc.at(
                "/paths/~1api~1v1~1opportunities~1{externalId}/patch/requestBody/content/application~1json/schema/$ref").asText(),
                "a merge patch is also taken as plain JSON");
        assertTrue(doc.at("/paths/~1api~1v1~1contacts~1{email}/delete/responses").has("204"));
        assertEquals(List.of(), faults);
    }

    /**
     * Redocly CLI (from npm, into target/ the first time) checks the document's structure against
     * OpenAPI 3.1 and lints it with its recommended rules: no error (warnings are printed).
     */
    @Test
    void the_document_is_valid_openapi_3_1_and_lints_without_errors() throws Exception {
        String text = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        java.nio.file.Path doc = java.nio.file.Path.of("target/openapi.json");
        java.nio.file.Files.writeString(doc, text);
        java.nio.file.Path cli = java.nio.file.Path.of("target/redocly/node_modules/.bin/redocly");
        if (!java.nio.file.Files.exists(cli)) {
            java.io.File log = new java.io.File("target/redocly-install.log");
            Process npm = new ProcessBuilder("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", "target/redocly",
                    "@redocly/cli@2.77.0").redirectErrorStream(true).redirectOutput(log).start();
            assertEquals(0, npm.waitFor(), "npm install @redocly/cli (see " + log + ")");
        }
        java.io.File out = new java.io.File("target/redocly-lint.txt");
        Process lint = new ProcessBuilder(cli.toString(), "lint", doc.toString(), "--format=summary").redirectErrorStream(true)
                .redirectOutput(out).start();
        assertTrue(lint.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "the lint finished");
        String report = java.nio.file.Files.readString(out.toPath());
        assertEquals(0, lint.exitValue(), report);
        assertTrue(report.contains("Your API description is valid"), report);
    }
}
