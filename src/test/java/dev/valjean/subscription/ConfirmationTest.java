package dev.valjean.subscription;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.delivery.Dispatcher;
import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ConfirmationTest {

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    MutableClock clock;
    @Inject
    RequestExpiry expiry;

    Visitor fay = new Visitor("203.0.113.40");
    String token;

    @BeforeEach
    void request() throws Exception {
        data.reset();
        data.newsletter("weekly");
        fay.subscribe("fay@example.com", "Fay", "weekly").then().statusCode(202);
        dispatcher.drain("t");
        token = Visitor.confirmToken("fay@example.com");
    }

    @Test
    void an_expired_link_answers_410_with_a_way_to_ask_again_and_confirms_nothing() throws Exception {
        clock.advance(Duration.ofDays(7).plusMinutes(1));
        fay.request().get("/confirm/" + token).then().statusCode(410)
                .body(containsString("expired"), containsString("href=\"/subscribe/weekly\""));
        fay.request().post("/confirm/" + token).then().statusCode(410);
        assertEquals("PENDING", data.text("SELECT status FROM subscription"));
        assertEquals(0L, data.count("SELECT count(*) FROM consent_event WHERE event = 'CONFIRMED'"));
    }

    @Test
    void a_used_link_shows_a_friendly_page_and_confirms_once() throws Exception {
        fay.request().post("/confirm/" + token).then().statusCode(200).body(containsString("You are subscribed"));
        fay.request().post("/confirm/" + token).then().statusCode(200).body(containsString("Already confirmed"));
        fay.request().get("/confirm/" + token).then().statusCode(200).body(containsString("Already confirmed"));
        assertEquals(1L, data.count("SELECT count(*) FROM consent_event WHERE event = 'CONFIRMED'"));
    }

    @Test
    void a_tampered_link_is_404_and_changes_nothing() throws Exception {
        char last = token.charAt(token.length() - 1);
        String tampered = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
        fay.request().get("/confirm/" + tampered).then().statusCode(404);
        fay.request().post("/confirm/" + tampered).then().statusCode(404);
        fay.request().post("/confirm/short").then().statusCode(404);
        assertEquals("PENDING", data.text("SELECT status FROM subscription"));
        assertEquals(0L, data.count("SELECT count(*) FROM consent_event WHERE event = 'CONFIRMED'"));
    }

    @Test
    void the_confirmation_token_is_stored_only_as_a_hash() throws Exception {
        assertEquals(0L, data.count("SELECT count(*) FROM subscription_request WHERE token_hash = '" + token + "'"));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription_request WHERE length(token_hash) = 64"));
    }

    @Test
    void unconfirmed_requests_expire_and_lose_their_personal_data_after_the_retention() throws Exception {
        clock.advance(Duration.ofDays(8));
        assertEquals(1, expiry.expire());
        assertEquals(0, expiry.expire(), "once");
        assertEquals("EXPIRED", data.text("SELECT status FROM subscription"));
        assertEquals(1L, data.count("SELECT count(*) FROM consent_event WHERE event = 'EXPIRED'"));
        assertEquals(0, expiry.purge(), "personal data is kept during the retention");
        assertNotNull(data.text("SELECT ip FROM subscription_request"));

        clock.advance(Duration.ofDays(31));
        assertEquals(1, expiry.purge());
        assertNull(data.text("SELECT ip FROM subscription_request"));
        assertNull(data.text("SELECT user_agent FROM subscription_request"));
        assertNull(data.text("SELECT name FROM subscription_request"));
        assertNull(data.text("SELECT email FROM contact"));
        assertEquals(0L, data.count("SELECT count(*) FROM consent_evidence"));
        assertNull(data.text("SELECT body_text FROM outbox WHERE purpose = 'CONFIRMATION'"));
        assertEquals(2L, data.count("SELECT count(*) FROM consent_event"), "the ledger keeps its counts");

        // The same person may ask again later, and it works like the first time.
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        new Visitor("203.0.113.41").subscribe("fay@example.com", "Fay", "weekly").then().statusCode(202);
        dispatcher.drain("t");
        fay.request().post("/confirm/" + Visitor.confirmToken("fay@example.com")).then().statusCode(200);
        assertEquals("CONFIRMED", data.text("SELECT status FROM subscription"));
        assertEquals("fay@example.com", data.text("SELECT email FROM contact"));
    }
}
