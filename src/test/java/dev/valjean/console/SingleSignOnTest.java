package dev.valjean.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.Browser;
import dev.valjean.support.FakeOidcProvider;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** Single sign-on with OpenID Connect, turned on for this class only, against a provider of the test's own. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@QuarkusTestResource(value = FakeOidcProvider.class, restrictToAnnotatedClass = true)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SingleSignOnTest {

    @TestHTTPResource("/")
    URL base;
    @Inject
    TestData data;

    Browser browser;

    @BeforeEach
    void setUp() throws Exception {
        data.reset();
        browser = new Browser(base.toString());
    }

    @AfterEach
    void tearDown() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void a_person_signs_in_through_the_company_provider_and_gets_the_role_its_claim_names() throws Exception {
        FakeOidcProvider.user = Map.of("email", "sso.editor@valjean.test", "email_verified", true, "name", "Sam Single",
                "valjean_role", List.of("reader", "editor"));
        browser.open("/console/sign-in");
        browser.press("Sign in with your company account");
        assertEquals("Newsletters", browser.heading(), "signed in: " + browser.text());
        assertTrue(browser.text().contains("Sam Single"));
        assertEquals("EDITOR", data.text("SELECT role FROM person WHERE email = 'sso.editor@valjean.test'"));
        assertEquals("sso", data.text("SELECT detail->>'method' FROM audit_event WHERE action = 'session.signed_in'"));
        // An editor from the provider is an editor here: the people page stays closed.
        browser.open("/console/people");
        assertEquals("Not for your role", browser.heading());
    }

    @Test
    void a_person_without_a_valjean_role_is_refused() throws Exception {
        FakeOidcProvider.user = Map.of("email", "visitor@valjean.test", "email_verified", true, "name", "No Role");
        browser.open("/console/sso");
        assertEquals("Single sign-on refused", browser.heading());
        assertTrue(browser.text().contains("no Valjean role"));
        assertEquals(0, data.count("SELECT count(*) FROM person"));
        browser.open("/console");
        assertEquals("Sign in to Valjean", browser.heading(), "no session was started");
    }
}
