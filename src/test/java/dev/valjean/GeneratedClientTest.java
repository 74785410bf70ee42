package dev.valjean;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document is good enough to generate a working client from: OpenAPI Generator's Java
 * client (through its Maven plugin, src/test/client/pom.xml) is generated from the document this
 * server serves, compiled with a scenario written against it, and run in its own JVM against this
 * server. A document the generator refuses, an operation or model that changed shape, or an answer
 * the client cannot read fails here.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class GeneratedClientTest {

    static final Path WORK = Path.of("target/client").toAbsolutePath();

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;

    @TestHTTPResource("/")
    java.net.URL base;

    @Test
    void a_client_generated_from_the_document_creates_a_newsletter_signs_someone_up_sends_an_issue_and_closes_a_deal_with_a_patch()
            throws Exception {
        data.reset();
        TestData.copyLayouts("newsletter");
        Files.createDirectories(WORK);
        Path spec = WORK.resolve("openapi.json");
        Files.writeString(spec, given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200).extract().asString());

        Path log = WORK.resolve("build.log");
        Path classpath = WORK.resolve("classpath.txt");
        Process build = new ProcessBuilder(Path.of("mvnw").toAbsolutePath().toString(), "-B", "-q", "-f", "src/test/client/pom.xml",
                "-Dspec=" + spec, "compile", "dependency:build-classpath", "-Dmdep.outputFile=" + classpath)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(build.waitFor(8, TimeUnit.MINUTES), "the client build took too long");
        assertEquals(0, build.exitValue(), () -> "generating or compiling the client failed:\n" + tail(log));

        String cp = WORK.resolve("classes") + java.io.File.pathSeparator + Files.readString(classpath).strip();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String editor = data.token(Role.EDITOR);
        String sales = data.token(Role.SALES);
        Process client = new ProcessBuilder(java, "-cp", cp, "dev.valjean.clientcheck.Scenario", base.toString().replaceAll("/$", ""), editor,
                sales).redirectErrorStream(true).start();
        List<String> said = new ArrayList<>();
        try (var out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                Writer in = new java.io.OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = out.readLine()) != null) {
                said.add(line);
                if (line.equals("SIGNED_UP")) {
                    // the reader confirms by the link in the email the sign-up queued
                    dispatcher.drain("t");
                    given().post("/confirm/" + Visitor.confirmToken("reader@client.example")).then().statusCode(200);
                    in.write("CONFIRMED\n");
                    in.flush();
                }
            }
        }
        assertTrue(client.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, client.exitValue(), () -> String.join("\n", said));
        assertEquals("DONE", said.get(said.size() - 1), () -> String.join("\n", said));
        long issue = Long.parseLong(value(said, "issue"));

        // what the client did, seen from the server's side
        dispatcher.drain("t");
        var received = SmtpServers.receivedBy("reader@client.example");
        assertEquals(2, received.size(), "the confirmation and the issue");
        assertEquals("Three things this week", received.get(1).getSubject());
        assertEquals(1, data.count("select count(*) from outbox where content_ref = 'issue:" + issue + "' and status = 'SENT'"));
        assertEquals("WON", data.text("select status from opportunity where external_id = 'client-deal'"));
        assertEquals(2, data.count("select count(*) from opportunity_contact oc join opportunity o on o.id = oc.opportunity_id"
                + " where o.external_id = 'client-deal'"));
        assertEquals("OPPORTUNITY_WON", data.text("select ended_reason from enrollment where id = " + value(said, "enrollment")));
        assertEquals(0, SmtpServers.receivedBy("bea@acme.example").size(), "the buyer got nothing: the deal closed before the first step");
    }

    private static String value(List<String> said, String key) {
        return said.stream().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
                .orElseThrow(() -> new AssertionError("the client did not print " + key + ": " + said));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (java.io.IOException e) {
            return "(no build log: " + e + ")";
        }
    }
}
