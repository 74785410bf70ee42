package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.SignatureRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.common.EmailAddress;
import dev.valjean.consent.SuppressionReason;
import dev.valjean.consent.SuppressionService;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestBasis;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DeliveryTest {

    @Inject
    Verp verp;

    @Inject
    TestData data;
    @Inject
    Dispatcher dispatcher;
    @Inject
    SuppressionService suppressions;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void a_queued_list_message_reaches_the_relay_with_every_standard_header_and_a_verifiable_dkim_signature() throws Exception {
        OutboxMessage queued = data.enqueueListMail("Reader@Example.COM", 1, "issue-1:reader");
        assertEquals(OutboxStatus.QUEUED, queued.status);

        assertEquals(1, dispatcher.drain("test"));

        MimeMessage[] received = SmtpServers.greenMail.getReceivedMessages();
        assertEquals(1, received.length);
        MimeMessage mail = received[0];
        assertNull(queued.messageId, "nothing stored: the row's id gives its Message-ID");
        assertEquals(data.messageIdOf("o.id = " + queued.id), mail.getHeader("Message-ID", null));
        assertNotNull(mail.getSentDate(), "Date header");
        assertEquals("Valjean Test <sender@valjean.test>", mail.getHeader("From", null));
        assertEquals("replies@valjean.test", mail.getHeader("Reply-To", null));
        assertEquals("Reader@example.com", mail.getHeader("To", null));
        assertEquals("<https://valjean.test/unsubscribe/abc>", mail.getHeader("List-Unsubscribe", null));
        assertEquals("List-Unsubscribe=One-Click", mail.getHeader("List-Unsubscribe-Post", null));
        assertEquals("\"Weekly\" <weekly.valjean.test>", mail.getHeader("List-Id", null));

        assertTrue(mail.isMimeType("multipart/alternative"), mail.getContentType());
        Multipart parts = (Multipart) mail.getContent();
        assertEquals(2, parts.getCount());
        Part text = parts.getBodyPart(0);
        Part html = parts.getBodyPart(1);
        assertTrue(text.isMimeType("text/plain"));
        assertTrue(((String) text.getContent()).contains("three short things"));
        assertTrue(html.isMimeType("text/html"));
        assertTrue(((String) html.getContent()).contains("<p>three short things.</p>"));

        List<SignatureRecord> signatures = verifyDkim(mail);
        assertEquals(1, signatures.size());
        SignatureRecord signature = signatures.get(0);
        assertEquals("valjean.test", signature.getDToken().toString());
        assertEquals("test", signature.getSelector().toString());
        assertEquals("relaxed", signature.getHeaderCanonicalisationMethod());
        assertEquals("relaxed", signature.getBodyCanonicalisationMethod());
        List<String> signed = signature.getHeaders().stream().map(h -> h.toString().toLowerCase()).toList();
        for (String header : List.of("from", "to", "subject", "list-unsubscribe", "list-unsubscribe-post", "list-id")) {
            assertTrue(signed.contains(header), "DKIM signs " + header + ": " + signed);
        }
        for (String rewritten : List.of("date", "message-id")) {
            assertTrue(!signed.contains(rewritten), "DKIM leaves " + rewritten + " to relays that rewrite it: " + signed);
        }
        assertEquals(2, signed.stream().filter("from"::equals).count(), "From is over-signed: " + signed);

        OutboxMessage sent = data.reload(queued.id);
        assertEquals(OutboxStatus.SENT, sent.status);
        assertEquals(1, sent.attempts);
        assertNotNull(sent.sentAt);
    }

    @Test
    void the_envelope_sender_is_a_signed_verp_address_naming_the_outbox_row() throws Exception {
        OutboxMessage queued = data.enqueueListMail("verp@example.com", 1, "verp-1");
        dispatcher.drain("test");
        MimeMessage mail = SmtpServers.greenMail.getReceivedMessages()[0];
        String returnPath = mail.getHeader("Return-Path", null);
        assertEquals("<" + verp.envelopeFor(queued.id).orElseThrow() + ">", returnPath, "GreenMail records MAIL FROM as Return-Path");
        assertTrue(returnPath.matches("<bounces\\+[0-9a-z]+\\.[0-9a-f]{10}@bounces\\.valjean\\.test>"), returnPath);
        assertEquals(java.util.Optional.of(queued.id), verp.outboxOf(returnPath));
        assertEquals(java.util.Optional.of(queued.id), verp.outboxOf(returnPath.toUpperCase(java.util.Locale.ROOT)),
                "a server that changes the case of the local part");
        String token = returnPath.substring("<bounces+".length(), returnPath.indexOf('@'));
        String other = Long.toString(queued.id + 1, 36) + token.substring(token.indexOf('.'));
        assertEquals(java.util.Optional.empty(), verp.outboxOf("bounces+" + other + "@bounces.valjean.test"), "another row with this signature");
        assertEquals(java.util.Optional.empty(), verp.outboxOf(returnPath.replace("bounces.valjean.test", "elsewhere.example")));
        assertEquals(java.util.Optional.empty(), verp.outboxOf("bounces+zz.0000000000@bounces.valjean.test"));
        assertEquals(java.util.Optional.empty(), verp.outboxOf("sender@valjean.test"));
        assertEquals("Valjean Test <sender@valjean.test>", mail.getHeader("From", null), "From is unchanged");
    }

    @Test
    void a_tampered_message_fails_dkim_verification() throws Exception {
        data.enqueueListMail("reader@example.com", 1, "issue-1:tamper");
        dispatcher.drain("test");
        MimeMessage mail = SmtpServers.greenMail.getReceivedMessages()[0];
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        mail.writeTo(raw);
        String tampered = raw.toString(java.nio.charset.StandardCharsets.ISO_8859_1).replace("three short things",
                "three LONG things");
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> List.of(publicKeyRecord()));
        boolean failed;
        try {
            failed = verifier.verify(new ByteArrayInputStream(tampered.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1))) == null;
        } catch (org.apache.james.jdkim.exceptions.FailException e) {
            failed = true;
        }
        assertTrue(failed, "a changed body must not verify");
    }

    @Test
    void a_recipient_suppressed_between_enqueue_and_send_is_skipped_with_the_reason_and_never_delivered() throws Exception {
        OutboxMessage queued = data.enqueueListMail("leaver@example.com", 1, "issue-1:leaver");
        assertEquals(OutboxStatus.QUEUED, queued.status);
        suppressions.suppress(EmailAddress.parse("leaver@example.com"), SuppressionReason.GLOBAL_OPT_OUT, "test");

        dispatcher.drain("test");

        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
        OutboxMessage skipped = data.reload(queued.id);
        assertEquals(OutboxStatus.SKIPPED, skipped.status);
        assertEquals("SUPPRESSED_GLOBAL_OPT_OUT", skipped.statusReason);
    }

    @Test
    void a_message_whose_basis_is_revoked_between_enqueue_and_send_is_skipped_and_never_delivered() throws Exception {
        OutboxMessage queued = data.enqueueListMail("changed-mind@example.com", 7, "issue-1:changed-mind");
        OutboxMessage other = data.enqueueListMail("still-in@example.com", 8, "issue-1:still-in");
        TestBasis.revoke(7);

        dispatcher.drain("test");

        MimeMessage[] received = SmtpServers.greenMail.getReceivedMessages();
        assertEquals(1, received.length);
        assertEquals("still-in@example.com", received[0].getHeader("To", null));
        assertEquals(OutboxStatus.SKIPPED, data.reload(queued.id).status);
        assertEquals("TEST_BASIS_REVOKED", data.reload(queued.id).statusReason);
        assertEquals(OutboxStatus.SENT, data.reload(other.id).status);
    }

    @Test
    void a_message_refused_at_enqueue_is_recorded_as_skipped_and_never_queued() throws Exception {
        suppressions.suppress(EmailAddress.parse("bounced@example.com"), SuppressionReason.HARD_BOUNCE, "550 no such user");

        OutboxMessage refused = data.enqueueListMail("bounced@example.com", 1, "issue-1:bounced");

        assertEquals(OutboxStatus.SKIPPED, refused.status);
        assertEquals("SUPPRESSED_HARD_BOUNCE", refused.statusReason);
        assertEquals(0, dispatcher.drain("test"));
        assertEquals(0, SmtpServers.greenMail.getReceivedMessages().length);
    }

    @Test
    void enqueuing_the_same_idempotency_key_twice_creates_one_message() throws Exception {
        OutboxMessage first = data.enqueueListMail("twice@example.com", 1, "issue-1:twice");
        OutboxMessage second = data.enqueueListMail("twice@example.com", 1, "issue-1:twice");

        assertEquals(first.id, second.id);
        assertEquals(1, dispatcher.drain("test"));
        assertEquals(1, SmtpServers.greenMail.getReceivedMessages().length);
    }

    @Test
    void a_global_opt_out_does_not_stop_a_transactional_message_but_a_hard_bounce_does() throws Exception {
        suppressions.suppress(EmailAddress.parse("optout@example.com"), SuppressionReason.GLOBAL_OPT_OUT, null);
        suppressions.suppress(EmailAddress.parse("gone@example.com"), SuppressionReason.HARD_BOUNCE, null);

        OutboxMessage allowed = data.enqueue("optout@example.com", 1, "tx:optout");
        OutboxMessage refused = data.enqueue("gone@example.com", 1, "tx:gone");

        assertEquals(OutboxStatus.QUEUED, allowed.status);
        assertEquals(OutboxStatus.SKIPPED, refused.status);
        dispatcher.drain("test");
        assertEquals(1, SmtpServers.greenMail.getReceivedMessages().length);
        assertFalse(data.reload(allowed.id).status == OutboxStatus.QUEUED);
    }

    private static List<SignatureRecord> verifyDkim(MimeMessage mail) throws Exception {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        mail.writeTo(raw);
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> {
            assertEquals("test", selector.toString());
            assertEquals("valjean.test", domain.toString());
            return List.of(publicKeyRecord());
        });
        return verifier.verify(new ByteArrayInputStream(raw.toByteArray()));
    }

    private static String publicKeyRecord() {
        try {
            String pem = Files.readString(Path.of("src/test/resources/dkim/test-dkim-public.pem"));
            String key = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
            return "v=DKIM1; k=rsa; p=" + key;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
