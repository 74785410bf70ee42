package dev.valjean.bounce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The parser on notices written the way real servers write them (our own text, in their styles):
 * the rules that the shared corpus measures, kept in the suite so they cannot slip unnoticed.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class BounceParserTest {

    @Test
    void a_qmail_notice_names_the_recipient_and_a_rcpt_refusal_is_hard() throws Exception {
        BounceParser.Report r = parse("""
                From: MAILER-DAEMON@mx.example.org
                To: news@valjean.test
                Subject: failure notice

                Hi. This is the qmail-send program at mx.example.org.
                I'm afraid I wasn't able to deliver your message to the following addresses.
                This is a permanent error; I've given up. Sorry it didn't work out.

                <lee@example.net>:
                Sorry, no SMTP connection got far enough; most progress was RCPT TO response; remote host 192.0.2.1 said: 550 Unknown user lee@example.net
                (#5.5.0)

                --- Below this line is a copy of the message.

                Message-ID: <abc@valjean.test>
                From: news@valjean.test
                To: lee@example.net
                Subject: Hello
                """);
        assertEquals(List.of(finding("lee@example.net", BounceClass.HARD)), classes(r));
    }

    @Test
    void the_same_words_after_data_are_a_filter_and_soft() throws Exception {
        BounceParser.Report r = parse("""
                From: Mail Delivery System <MAILER-DAEMON@mx.example.org>
                To: news@valjean.test
                Subject: Undelivered Mail Returned to Sender

                <kim@example.net>: host mx.example.net[192.0.2.2] said: 550 <kim@example.net>: User unknown
                    (in reply to end of DATA command)
                """);
        assertEquals(List.of(finding("kim@example.net", BounceClass.SOFT)), classes(r));
        assertEquals(BounceReason.FILTERED, r.findings().get(0).reason());
    }

    @Test
    void an_exim_notice_with_a_temporary_code_never_makes_a_hard_bounce() throws Exception {
        BounceParser.Report r = parse("""
                From: Mail Delivery System <Mailer-Daemon@mx.example.org>
                To: news@valjean.test
                Subject: Mail delivery failed: returning message to sender
                X-Failed-Recipients: jo@example.net

                This message was created automatically by mail delivery software.

                A message that you sent could not be delivered to one or more of its
                recipients. The following address(es) failed:

                  jo@example.net
                    host lookup did not complete: 451 4.4.0 Host or domain name not found

                ------ This is a copy of the message, including all the headers. ------
                """);
        assertEquals(List.of(finding("jo@example.net", BounceClass.SOFT)), classes(r));
    }

    @Test
    void a_refusal_of_the_sender_is_soft_and_about_the_sender() throws Exception {
        BounceParser.Report r = parse("""
                From: MAILER-DAEMON@mx.example.org
                To: news@valjean.test
                Subject: Undeliverable: Hello

                <ann@example.net>: 550 5.7.1 Service unavailable; client [192.0.2.3] blocked using zen.spamhaus.org
                """);
        BounceParser.Finding f = r.findings().get(0);
        assertEquals(BounceClass.SOFT, f.bounceClass());
        assertTrue(f.reason().aboutSender(), f.reason().toString());
        assertEquals("5.7.1", f.status());
    }

    @Test
    void an_ses_notification_sent_by_email_is_read_as_an_ses_event() throws Exception {
        BounceParser.Report r = parse("""
                From: no-reply@sns.amazonaws.com
                To: ops@valjean.test
                Subject: AWS Notification Message

                {
                  "Type" : "Notification",
                  "Message" : "{\\"notificationType\\":\\"Bounce\\",\\"bounce\\":{\\"bounceType\\":\\"Permanent\\",\\"bounceSubType\\":\\"General\\",\\"bouncedRecipients\\":[{\\"emailAddress\\":\\"max@example.net\\",\\"status\\":\\"5.1.1\\",\\"diagnosticCode\\":\\"smtp; 550 5.1.1 user unknown\\"}]},\\"mail\\":{\\"commonHeaders\\":{\\"messageId\\":\\"<m1@valjean.test>\\"}}}"
                }
                """);
        assertEquals(List.of(finding("max@example.net", BounceClass.HARD)), classes(r));
        assertEquals("<m1@valjean.test>", r.originalMessageId());
    }

    @Test
    void an_outlook_com_complaint_without_a_feedback_report_is_a_complaint() throws Exception {
        BounceParser.Report r = parse("""
                From: staff@hotmail.com
                To: abuse@valjean.test
                Subject: complaint about message from 192.0.2.4
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="b1"

                --b1
                Content-Type: message/rfc822

                X-HmXmrOriginalRecipient: pat@example.net
                To: pat@example.net
                From: news@valjean.test
                Message-ID: <m2@valjean.test>
                Subject: Hello

                Hello
                --b1--
                """);
        assertEquals(List.of(finding("pat@example.net", BounceClass.COMPLAINT)), classes(r));
        assertEquals("<m2@valjean.test>", r.originalMessageId());
    }

    @Test
    void an_automatic_reply_is_other_and_a_plain_message_with_addresses_fails_nobody() throws Exception {
        BounceParser.Report auto = parse("""
                From: Sam <sam@example.net>
                To: news@valjean.test
                Subject: Out of office
                Auto-Submitted: auto-replied

                I am away until Monday; write to deputy@example.net meanwhile.
                """);
        assertEquals(List.of(finding("sam@example.net", BounceClass.OTHER)), classes(auto));
        BounceParser.Report reply = parse("""
                From: Sam <sam@example.net>
                To: news@valjean.test
                Subject: Re: Hello

                Thanks! Please also add deputy@example.net and boss@example.net.
                """);
        assertEquals(List.of(), reply.findings());
    }

    // ---- helpers

    private record Found(String recipient, BounceClass bounceClass) {
    }

    private static Found finding(String recipient, BounceClass c) {
        return new Found(recipient, c);
    }

    private static List<Found> classes(BounceParser.Report r) {
        return r.findings().stream().map(f -> new Found(f.recipient(), f.bounceClass())).toList();
    }

    private static BounceParser.Report parse(String text) throws BounceParser.Unreadable {
        return BounceParser.parse(text.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }
}
