package dev.valjean.console;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.PasswordHasher;
import dev.valjean.delivery.Dispatcher;
import dev.valjean.issue.IssueService;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Layouts edited in the console: checked on save, stored as versions every instance reads, and kept by the issues sent with them. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LayoutVersionTest {

    static final String PASSWORD = "an editor with a long password";

    @Inject
    TestData data;
    @Inject
    PasswordHasher hasher;
    @Inject
    Dispatcher dispatcher;
    @Inject
    IssueService issues;

    ConsoleTest.Visitor editor;
    String shippedHtml;
    String shippedText;

    @BeforeEach
    void setUp() throws Exception {
        data.reset();
        data.newsletter("weekly");
        data.request().contentType("text/csv").body("email,name,consented_at,consent_source,consent_text,confirmed_at\n"
                + "ann@example.com,Ann,2024-01-01T10:00:00Z,https://old.example/form,Send me the weekly,2024-01-01T10:05:00Z\n")
                .post("/api/v1/newsletters/weekly/imports").then().statusCode(201);
        data.execute("INSERT INTO person (email, email_normalized, name, role, password_hash, created_at) VALUES "
                + "('eddie@valjean.test', 'eddie@valjean.test', 'Eddie', 'EDITOR', '" + hasher.hash(PASSWORD) + "', now())");
        editor = new ConsoleTest.Visitor();
        editor.get("/console/sign-in");
        editor.post("/console/sign-in", Map.of("_csrf", editor.csrf, "email", "eddie@valjean.test", "password", PASSWORD)).then().statusCode(303);
        editor.get("/console/layouts/default").then().statusCode(200);
        shippedHtml = Files.readString(Path.of("templates/newsletter/default.html"));
        shippedText = Files.readString(Path.of("templates/newsletter/default.txt"));
    }

    @Test
    void an_edit_without_the_unsubscribe_link_or_that_does_not_parse_is_refused_with_what_and_where() throws Exception {
        editor.post("/console/layouts/default", Map.of("_csrf", editor.csrf, "html", shippedHtml.replace("{unsubscribeUrl}", "#"),
                "text", shippedText)).then().statusCode(422).body(containsString("the unsubscribe link {unsubscribeUrl}"))
                .body(containsString("html:"));
        editor.post("/console/layouts/default", Map.of("_csrf", editor.csrf, "html", "<p>line one</p>\n<p>line two</p>\n{#if broken}\n<p>no end",
                "text", shippedText)).then().statusCode(422).body(containsString("default.html, line"));
        assertEquals(0, data.count("SELECT count(*) FROM layout_version"), "nothing stored");
    }

    @Test
    void an_edit_goes_into_the_next_issue_and_an_issue_sent_before_keeps_its_layout_in_the_archive() throws Exception {
        long before = sendIssue("Before the edit");
        String beforeArchive = io.restassured.RestAssured.get("/archive/weekly/" + before).asString();
        assertTrue(beforeArchive.contains("Before the edit") && !beforeArchive.contains("EDITED LAYOUT"));

        editor.post("/console/layouts/default", Map.of("_csrf", editor.csrf, "html", shippedHtml.replace("<hr", "<p>EDITED LAYOUT</p><hr"),
                "text", shippedText.replace("{postalAddress}", "EDITED LAYOUT\n{postalAddress}"))).then().statusCode(303)
                .header("Location", containsString("saved=2"));
        long after = sendIssue("After the edit");
        List<jakarta.mail.internet.MimeMessage> received = SmtpServers.receivedBy("ann@example.com");
        assertEquals(2, received.size());
        assertFalse(dev.valjean.support.Visitor.html(received.get(0)).contains("EDITED LAYOUT"));
        assertTrue(dev.valjean.support.Visitor.html(received.get(1)).contains("EDITED LAYOUT"), "the next issue uses the edit");
        assertTrue(dev.valjean.support.Visitor.text(received.get(1)).contains("EDITED LAYOUT"));

        io.restassured.RestAssured.get("/archive/weekly/" + before).then().statusCode(200).body(containsString("Before the edit"))
                .body(not(containsString("EDITED LAYOUT")));
        io.restassured.RestAssured.get("/archive/weekly/" + after).then().statusCode(200).body(containsString("EDITED LAYOUT"));

        // Another instance saves version 3: this one renders the next issue with it, without a restart.
        data.execute("INSERT INTO layout_version (kind, name, version, html, text, created_by) SELECT kind, name, 3, replace(html, 'EDITED LAYOUT',"
                + " 'FROM ANOTHER INSTANCE'), replace(text, 'EDITED LAYOUT', 'FROM ANOTHER INSTANCE'), 'another instance' FROM layout_version"
                + " WHERE version = 2");
        sendIssue("On every instance");
        assertTrue(dev.valjean.support.Visitor.html(SmtpServers.receivedBy("ann@example.com").get(2)).contains("FROM ANOTHER INSTANCE"));
        assertEquals(3, data.count("SELECT count(*) FROM layout_version"));
        editor.get("/console/layouts").then().statusCode(200).body(containsString("version 3"));
        assertEquals("Eddie <eddie@valjean.test>", data.text("SELECT created_by FROM layout_version WHERE version = 2"));
    }

    private long sendIssue(String subject) throws Exception {
        int id = data.request().contentType("application/json").body(Map.of("subject", subject, "items",
                List.of(Map.of("title", subject, "body", "Text.")))).post("/api/v1/newsletters/weekly/issues").then().statusCode(201)
                .extract().path("id");
        data.request().contentType("application/json").body(Map.of("overrideReason", "a test sends several issues"))
                .post("/api/v1/issues/" + id + "/send").then().statusCode(200);
        dispatcher.drain("layouts");
        issues.finishDone();
        return id;
    }
}
