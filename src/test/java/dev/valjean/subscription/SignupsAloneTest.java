package dev.valjean.subscription;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;

/**
 * With {@code valjean.subscription.batch-threads=0} (DECISIONS 35's undo) no thread shares
 * transactions: a token sign-up, which its endpoint answers from the event loop, is recorded alone
 * on a worker thread, with the same checks and answers.
 */
@QuarkusTest
@TestProfile(SignupsAloneTest.NoSharedTransactions.class)
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SignupsAloneTest {

    public static class NoSharedTransactions implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("valjean.subscription.batch-threads", "0");
        }
    }

    @Inject
    TestData data;

    private String token;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
        data.newsletter("weekly");
        token = data.token(Role.EDITOR);
    }

    @Test
    void a_token_sign_up_is_recorded_alone_with_the_same_checks() throws Exception {
        post(token, "ada@example.com", "weekly").then().statusCode(202).body("status", org.hamcrest.Matchers.is("PENDING_CONFIRMATION"));
        post("vj_unknown", "bob@example.com", "weekly").then().statusCode(401).contentType("application/problem+json");
        post(token, "cy@example.com", "nosuch").then().statusCode(422).body("code", org.hamcrest.Matchers.is("UNKNOWN_NEWSLETTER"));

        assertEquals(1L, data.count("SELECT count(*) FROM contact"));
        assertEquals(1L, data.count("""
                SELECT count(*) FROM outbox o JOIN contact c ON c.id = o.contact_id
                WHERE c.email_normalized = 'ada@example.com' AND o.purpose = 'CONFIRMATION'"""));
        assertEquals(1L, data.count("SELECT count(*) FROM consent_event WHERE event = 'REQUESTED'"));
    }

    private static io.restassured.response.Response post(String bearer, String email, String newsletter) {
        return RestAssured.given().header("Authorization", "Bearer " + bearer).contentType(ContentType.JSON)
                .body(Map.of("email", email, "newsletters", List.of(newsletter), "consent", true)).post("/api/v1/subscriptions");
    }
}
