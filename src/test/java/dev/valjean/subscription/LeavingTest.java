package dev.valjean.subscription;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.delivery.Dispatcher;
import dev.valjean.delivery.OutboxMessage;
import dev.valjean.delivery.OutboxRequest;
import dev.valjean.delivery.OutboxService;
import dev.valjean.delivery.OutboxStatus;
import dev.valjean.delivery.Purpose;
import dev.valjean.mail.Links;
import dev.valjean.support.MutableClock;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import dev.valjean.support.Visitor;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LeavingTest {

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    MutableClock clock;
    @Inject
    Links links;
    @Inject
    OutboxService outbox;

    long weekly;
    long monthly;
    long contactId;

    @BeforeEach
    void subscribeToTwo() throws Exception {
        data.reset();
        data.newsletter("weekly");
        data.newsletter("monthly");
        Visitor eve = new Visitor("203.0.113.30");
        eve.subscribe("eve@example.com", "Eve", "weekly", "monthly").then().statusCode(202);
        dispatcher.drain("t");
        eve.request().post("/confirm/" + Visitor.confirmToken("eve@example.com")).then().statusCode(200);
        weekly = subscriptionId("weekly");
        monthly = subscriptionId("monthly");
        contactId = data.count("SELECT id FROM contact WHERE email = 'eve@example.com'");
        assertEquals(2L, confirmed());
    }

    @Test
    void one_click_form_encoded_leaves_one_newsletter_only_and_repeating_it_is_harmless() throws Exception {
        String token = links.unsubscribeToken(weekly);
        // A mailbox provider's POST: no cookies, no auth, RFC 8058 body.
        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + token).then().statusCode(200).header("Set-Cookie", nullValue());
        assertEquals("UNSUBSCRIBED", status(weekly));
        assertEquals("CONFIRMED", status(monthly));

        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + token).then().statusCode(200);
        assertEquals(1L, data.count("SELECT count(*) FROM consent_event WHERE event = 'UNSUBSCRIBED'"), "idempotent");
        assertEquals("CONFIRMED", status(monthly));
    }

    @Test
    void one_click_multipart_leaves_its_newsletter_and_answers_in_its_brand() throws Exception {
        data.execute("UPDATE newsletter SET brand_name = 'Monthly Press', accent_colour = '#0f766e', logo = '\\x89'::bytea,"
                + " logo_type = 'image/png', logo_hash = '0123456789abcdef' WHERE slug = 'monthly'");
        RestAssured.given().multiPart("List-Unsubscribe", "One-Click").post("/unsubscribe/" + links.unsubscribeToken(monthly))
                .then().statusCode(200).body(containsString("You have left The monthly letter"))
                .body(containsString("<span>Monthly Press</span>")).body(containsString("background: #0f766e"))
                .body(containsString("<img src=\"/brand/monthly/logo-0123456789abcdef\""));
        assertEquals("UNSUBSCRIBED", status(monthly));
        assertEquals("CONFIRMED", status(weekly));
    }

    @Test
    void the_one_click_answer_shows_the_newsletter_as_it_is_now_after_a_rename() throws Exception {
        String token = links.unsubscribeToken(weekly);
        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + token).then().statusCode(200).body(containsString("You have left The weekly letter"));
        data.execute("UPDATE newsletter SET name = 'The Friday letter', brand_name = 'Friday Press' WHERE slug = 'weekly'");
        // the answers are kept by what they show: the next one (a repeat here) is the renamed newsletter's
        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + token).then().statusCode(200)
                .body(containsString("You have left The Friday letter")).body(containsString("<span>Friday Press</span>"));
        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + links.unsubscribeToken(monthly)).then().statusCode(200)
                .body(containsString("You have left The monthly letter"));
    }

    @Test
    void the_unsubscribe_page_changes_nothing_until_its_button_is_pressed() throws Exception {
        String token = links.unsubscribeToken(weekly);
        RestAssured.given().get("/unsubscribe/" + token).then().statusCode(200)
                .body(containsString("<form method=\"post\" action=\"/unsubscribe/" + token + "\""));
        assertEquals(2L, confirmed());
        RestAssured.given().get("/unsubscribe/" + weekly + ".forged").then().statusCode(404);
        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + monthly + "." + links.unsubscribeToken(weekly).split("\\.")[1]).then().statusCode(404);
        assertEquals(2L, confirmed());
    }

    @Test
    void the_preference_centre_lists_both_and_leaves_all() throws Exception {
        String token = links.preferencesToken(contactId);
        RestAssured.given().get("/preferences/" + token).then().statusCode(200)
                .body(containsString("The weekly letter"), containsString("The monthly letter"));
        RestAssured.given().contentType("application/x-www-form-urlencoded").formParam("all", "true")
                .post("/preferences/" + token).then().statusCode(200).body(containsString("you left 2 newsletters"));
        assertEquals(0L, confirmed());
        assertEquals(2L, data.count("SELECT count(*) FROM consent_event WHERE event = 'UNSUBSCRIBED' AND source = 'PREFERENCE_CENTRE'"));
        RestAssured.given().get("/preferences/" + contactId + ".forged").then().statusCode(404);
    }

    @Test
    void the_preference_centre_leaves_one_or_opts_out_of_everything() throws Exception {
        String token = links.preferencesToken(contactId);
        RestAssured.given().contentType("application/x-www-form-urlencoded").formParam("leave", "monthly")
                .post("/preferences/" + token).then().statusCode(200);
        assertEquals("CONFIRMED", status(weekly));
        assertEquals("UNSUBSCRIBED", status(monthly));

        // "Never email me again" asks first; only the answer to that question opts out.
        RestAssured.given().contentType("application/x-www-form-urlencoded").formParam("optOut", "true")
                .post("/preferences/" + token).then().statusCode(200).body(containsString("Yes, never email me again"));
        assertEquals("CONFIRMED", status(weekly));
        assertEquals(0L, data.count("SELECT count(*) FROM suppression"));
        RestAssured.given().contentType("application/x-www-form-urlencoded").formParam("optOut", "true").formParam("confirm", "yes")
                .post("/preferences/" + token).then().statusCode(200);
        assertEquals(0L, confirmed());
        assertEquals(1L, data.count("SELECT count(*) FROM suppression WHERE reason = 'GLOBAL_OPT_OUT'"));

        // Only a new double opt-in lifts the opt-out.
        Visitor eve = new Visitor("203.0.113.31");
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        eve.subscribe("eve@example.com", "Eve", "weekly").then().statusCode(202);
        dispatcher.drain("t");
        assertEquals(1L, data.count("SELECT count(*) FROM suppression WHERE reason = 'GLOBAL_OPT_OUT'"), "asking is not confirming");
        eve.request().post("/confirm/" + Visitor.confirmToken("eve@example.com")).then().statusCode(200);
        assertEquals(0L, data.count("SELECT count(*) FROM suppression"));
        assertEquals("CONFIRMED", status(weekly));
    }

    @Test
    void the_preference_centre_shows_what_is_received_ticked_leaves_what_is_unticked_and_joins_others_by_double_opt_in() throws Exception {
        String token = links.preferencesToken(contactId);
        RestAssured.given().contentType("application/x-www-form-urlencoded").formParam("leave", "monthly")
                .post("/preferences/" + token).then().statusCode(200);
        RestAssured.given().get("/preferences/" + token).then().statusCode(200)
                .body(containsString("name=\"keep\" value=\"weekly\" checked"))
                .body(containsString("id=\"join-monthly\""), containsString("Also available"));
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        // Unticking weekly while ticking monthly: weekly is left, monthly waits for its confirmation.
        RestAssured.given().contentType("application/x-www-form-urlencoded").formParam("shown", "weekly").formParam("join", "monthly")
                .formParam("version-monthly", "1").post("/preferences/" + token).then().statusCode(200)
                .body(containsString("you left 1 newsletter"), containsString("We sent you an email to confirm"));
        assertEquals("UNSUBSCRIBED", status(weekly));
        assertEquals(1L, data.count("SELECT count(*) FROM subscription_request WHERE source = 'PREFERENCE_CENTRE'"));
        assertEquals(0L, confirmed(), "joining is not confirming");
        dispatcher.drain("t");
        assertEquals(1, SmtpServers.receivedBy(data.text("SELECT email FROM contact WHERE id = " + contactId)).size(), "the confirmation");
    }

    @Test
    void a_newsletter_message_queued_before_the_subscriber_left_is_never_sent() throws Exception {
        OutboxMessage queued = outbox.enqueue(OutboxRequest.of("issue-1:" + weekly, Purpose.NEWSLETTER, SubscriptionBasis.TYPE,
                weekly, contactId, "Issue 1", "Three things.\n", "<p>Three things.</p>")
                .asListMail("weekly.valjean.test", "The weekly letter", links.unsubscribe(weekly)));
        assertEquals(OutboxStatus.QUEUED, queued.status);
        RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post("/unsubscribe/" + links.unsubscribeToken(weekly)).then().statusCode(200);
        SmtpServers.greenMail.purgeEmailFromAllMailboxes();
        clock.advance(Duration.ofSeconds(1));
        dispatcher.drain("t");
        OutboxMessage after = data.reload(queued.id);
        assertEquals(OutboxStatus.SKIPPED, after.status);
        assertEquals("SUBSCRIPTION_UNSUBSCRIBED", after.statusReason);
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
    }

    private long subscriptionId(String slug) throws Exception {
        return data.count("SELECT s.id FROM subscription s JOIN newsletter n ON n.id = s.newsletter_id WHERE n.slug = '" + slug + "'");
    }

    private String status(long id) throws Exception {
        return data.text("SELECT status FROM subscription WHERE id = " + id);
    }

    private long confirmed() throws Exception {
        return data.count("SELECT count(*) FROM subscription WHERE status = 'CONFIRMED'");
    }
}
