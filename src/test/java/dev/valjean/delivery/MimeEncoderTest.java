package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;

import org.apache.james.jdkim.DKIMVerifier;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The encoded message, read back by an independent MIME parser (Jakarta Mail) and DKIM verifier (Apache jDKIM). */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class MimeEncoderTest {

    private static final String LONG_LINE = "Short, useful and expected. ".repeat(32).strip();

    @Test
    void plain_ascii_text_with_paragraph_long_lines_goes_as_7bit_and_reads_back_unchanged() throws Exception {
        String text = LONG_LINE + "\n\n.a line that starts with a dot\nend";
        byte[] raw = MimeEncoder.encode(mail("Weekly notes", "Valjean News <news@valjean.test>", text, "<p>" + LONG_LINE + "</p>"));
        MimeMessage parsed = parse(raw);
        MimeMultipart parts = (MimeMultipart) parsed.getContent();
        assertEquals(2, parts.getCount());
        assertTrue(parts.getBodyPart(0).isMimeType("text/plain"));
        assertTrue(parts.getBodyPart(1).isMimeType("text/html"));
        assertEquals("7bit", parts.getBodyPart(0).getHeader("Content-Transfer-Encoding")[0]);
        assertEquals(text, lf((String) parts.getBodyPart(0).getContent()));
        assertEquals("<p>" + LONG_LINE + "</p>", lf((String) parts.getBodyPart(1).getContent()));
        assertEveryLineEndsInCrlfAndFits(raw, MimeEncoder.MAX_LINE);
    }

    @Test
    void text_outside_ascii_or_with_over_long_lines_goes_quoted_printable_and_decodes_back() throws Exception {
        String text = "Grüße aus Köln — “quotes”, 5 € = 5 EUR  \n" + "x".repeat(1500) + "\nTabs\tand trailing tab\t\nlast";
        byte[] raw = MimeEncoder.encode(mail("Notes", "news@valjean.test", text, "<p>Zoë</p>"));
        MimeMultipart parts = (MimeMultipart) parse(raw).getContent();
        assertEquals("quoted-printable", parts.getBodyPart(0).getHeader("Content-Transfer-Encoding")[0]);
        assertEquals(text, lf((String) parts.getBodyPart(0).getContent()));
        assertEquals("<p>Zoë</p>", lf((String) parts.getBodyPart(1).getContent()));
        int header = new String(raw, StandardCharsets.UTF_8).indexOf("\r\n\r\n");
        assertEveryLineEndsInCrlfAndFits(java.util.Arrays.copyOfRange(raw, header + 4, raw.length), 76);
    }

    @Test
    void the_longest_quoted_printable_lines_and_every_kind_of_line_break_decode_back() throws Exception {
        // Every byte escaped (three characters each) on one long line: the most output per byte of input.
        String escaped = "é€😀=".repeat(700);
        String text = escaped + "\r\nCRLF\rCR alone\nLF alone\r\n\n" + "=".repeat(2000) + "\nlast";
        byte[] raw = MimeEncoder.encode(mail("Escapes", "news@valjean.test", text, escaped));
        MimeMultipart parts = (MimeMultipart) parse(raw).getContent();
        assertEquals(text.replace("\r\n", "\n").replace("\r", "\n"), lf((String) parts.getBodyPart(0).getContent()));
        assertEquals(escaped, lf((String) parts.getBodyPart(1).getContent()));
        int header = new String(raw, StandardCharsets.UTF_8).indexOf("\r\n\r\n");
        assertEveryLineEndsInCrlfAndFits(java.util.Arrays.copyOfRange(raw, header + 4, raw.length), 76);
    }

    @Test
    void subject_and_sender_name_outside_ascii_become_encoded_words_that_decode_to_the_same_text() throws Exception {
        String subject = "Été : trois nouveautés qui comptent vraiment, et une réduction de 30 % à ne pas manquer…";
        MimeMessage parsed = parse(MimeEncoder.encode(mail(subject, "Zoë Ünlü <zoe@valjean.test>", "hello", "<p>hello</p>")));
        assertEquals(subject, parsed.getSubject());
        InternetAddress from = (InternetAddress) parsed.getFrom()[0];
        assertEquals("Zoë Ünlü", from.getPersonal());
        assertEquals("zoe@valjean.test", from.getAddress());
    }

    @Test
    void a_long_ascii_subject_folds_within_78_characters_and_unfolds_to_the_same_text() throws Exception {
        String subject = "Three things that changed this week in the product, the pricing and the roadmap for the next quarter";
        byte[] raw = MimeEncoder.encode(mail(subject, "\"Valjean, the News\" <news@valjean.test>", "hi", "<p>hi</p>"));
        String head = new String(raw, StandardCharsets.US_ASCII).substring(0, new String(raw, StandardCharsets.US_ASCII).indexOf("\r\n\r\n"));
        for (String line : head.split("\r\n")) {
            assertTrue(line.length() <= 78 || !line.contains(" "), line);
        }
        MimeMessage parsed = parse(raw);
        assertEquals(subject, parsed.getSubject());
        assertEquals("Valjean, the News", ((InternetAddress) parsed.getFrom()[0]).getPersonal());
    }

    @Test
    void a_signed_message_with_encoded_words_folding_and_quoted_printable_verifies() throws Exception {
        DkimSigner signer = new DkimSigner(DkimSigner.readKey(Path.of("src/test/resources/dkim/test-dkim-private.pem")),
                "valjean.test", "test");
        String subject = "Été : trois nouveautés qui comptent vraiment, et une réduction de 30 % à ne pas manquer…";
        byte[] signed = signer.sign(MimeEncoder.encode(mail(subject, "Zoë <zoe@valjean.test>",
                "Grüße  with   spaces  \n\n\n" + "y".repeat(1200) + "\n\n\n", "<p>Grüße</p>\n\n")), Instant.now());
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> List.of(publicKeyRecord()));
        assertEquals(1, verifier.verify(new ByteArrayInputStream(signed)).size());

        byte[] tampered = new String(signed, StandardCharsets.UTF_8).replace("yyyy", "yyyz").getBytes(StandardCharsets.UTF_8);
        org.junit.jupiter.api.Assertions.assertThrows(org.apache.james.jdkim.exceptions.FailException.class,
                () -> verifier.verify(new ByteArrayInputStream(tampered)));
    }

    @Test
    void a_signature_survives_a_relay_that_rewrites_message_id_and_date() throws Exception {
        DkimSigner signer = new DkimSigner(DkimSigner.readKey(Path.of("src/test/resources/dkim/test-dkim-private.pem")),
                "valjean.test", "test");
        byte[] signed = signer.sign(MimeEncoder.encode(mail("Relayed", "news@valjean.test", "hi", "<p>hi</p>")), Instant.now());
        // What Amazon SES does: its own Message-ID and Date replace ours.
        String relayed = new String(signed, StandardCharsets.UTF_8)
                .replace("Message-ID: <m1@valjean.test>", "Message-ID: <0100018f-ses-rewritten@email.amazonses.com>")
                .replace("Date: Mon, 23 Nov 2026 10:00:00 GMT", "Date: Tue, 24 Nov 2026 11:11:11 +0000");
        assertTrue(relayed.contains("amazonses.com"), "the rewrite happened");
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> List.of(publicKeyRecord()));

        assertEquals(1, verifier.verify(new ByteArrayInputStream(relayed.getBytes(StandardCharsets.UTF_8))).size());
    }

    @Test
    void a_from_or_subject_added_after_signing_breaks_the_signature() throws Exception {
        DkimSigner signer = new DkimSigner(DkimSigner.readKey(Path.of("src/test/resources/dkim/test-dkim-private.pem")),
                "valjean.test", "test");
        String signed = new String(signer.sign(MimeEncoder.encode(mail("Honest", "news@valjean.test", "hi", "<p>hi</p>")),
                Instant.now()), StandardCharsets.UTF_8);
        DKIMVerifier verifier = new DKIMVerifier((method, selector, domain) -> List.of(publicKeyRecord()));
        for (String added : List.of("Subject: Urgent: your account", "From: ceo@valjean.test")) {
            int bodyStart = signed.indexOf("\r\n\r\n");
            String forged = signed.substring(0, bodyStart) + "\r\n" + added + signed.substring(bodyStart);
            org.junit.jupiter.api.Assertions.assertThrows(org.apache.james.jdkim.exceptions.FailException.class,
                    () -> verifier.verify(new ByteArrayInputStream(forged.getBytes(StandardCharsets.UTF_8))), added);
        }
    }

    @Test
    void random_texts_of_line_breaks_escapes_and_long_lines_decode_back_in_the_encoding_their_bytes_call_for() throws Exception {
        // Pieces that meet every branch of the one pass per part: each kind of line break, characters of one to four
        // bytes, "=" and trailing white space (escaped in quoted-printable), and lines near the 76 and 998 limits.
        String[] pieces = { "a", "word ", " ", "\t", "\r", "\n", "\r\n", "\n\n", "=", ".", "é", "€", "😀", "x".repeat(75),
            "y".repeat(997), "z".repeat(999), "Short, useful and expected. ", "trailing  ", "a=b=c=d=e", "0123456789abcdef" };
        java.util.Random random = new java.util.Random(20261204);
        int sevenBit = 0;
        for (int round = 0; round < 400; round++) {
            StringBuilder text = new StringBuilder();
            boolean ascii = random.nextBoolean();
            for (int k = random.nextInt(40); k >= 0; k--) {
                String piece = pieces[random.nextInt(pieces.length)];
                if (!ascii || piece.chars().allMatch(c -> c < 127)) {
                    text.append(piece);
                }
            }
            text.append("end"); // a break at the very end belongs to the boundary that follows (RFC 2046 5.1.1)
            String t = text.toString();
            byte[] raw = MimeEncoder.encode(mail("Random " + round, "news@valjean.test", t, t));
            MimeMultipart parts = (MimeMultipart) parse(raw).getContent();
            String expected = t.replace("\r\n", "\n").replace("\r", "\n");
            boolean plain = t.chars().allMatch(c -> c < 127 && (c >= 32 || c == '\t' || c == '\r' || c == '\n'))
                    && java.util.Arrays.stream(expected.split("\n", -1)).allMatch(line -> line.length() <= MimeEncoder.MAX_LINE);
            sevenBit += plain ? 1 : 0;
            for (int i = 0; i < 2; i++) {
                assertEquals(plain ? "7bit" : "quoted-printable", parts.getBodyPart(i).getHeader("Content-Transfer-Encoding")[0], t);
                assertEquals(expected, lf((String) parts.getBodyPart(i).getContent()), "round " + round);
            }
            int header = new String(raw, StandardCharsets.UTF_8).indexOf("\r\n\r\n");
            assertEveryLineEndsInCrlfAndFits(java.util.Arrays.copyOfRange(raw, header + 4, raw.length), plain ? MimeEncoder.MAX_LINE : 76);
        }
        assertTrue(sevenBit > 50 && sevenBit < 350, sevenBit + " of 400 went as 7bit: both encodings must be met often");
    }

    @Test
    void white_space_before_a_line_break_is_escaped_and_equals_signs_encoded_wherever_they_fall_among_eight_bytes() throws Exception {
        // The encoder takes eight printable bytes at a time; a space or tab that ends a line must still be escaped, and
        // an '=' still encoded, at every position among those eight.
        for (int offset = 0; offset < 24; offset++) {
            String t = "é" + "x".repeat(offset) + "abcdefg \nabcdefg\t\r\nsix=seven=eight=\nthe last one ";
            byte[] raw = MimeEncoder.encode(mail("Offset " + offset, "news@valjean.test", t, t));
            MimeMultipart parts = (MimeMultipart) parse(raw).getContent();
            for (int i = 0; i < 2; i++) {
                assertEquals("quoted-printable", parts.getBodyPart(i).getHeader("Content-Transfer-Encoding")[0]);
                assertEquals(t.replace("\r\n", "\n"), lf((String) parts.getBodyPart(i).getContent()), "offset " + offset);
            }
            int header = new String(raw, StandardCharsets.UTF_8).indexOf("\r\n\r\n");
            String body = new String(raw, header + 4, raw.length - header - 4, StandardCharsets.US_ASCII);
            for (String line : body.split("\r\n")) {
                assertFalse(line.endsWith(" ") || line.endsWith("\t"), "offset " + offset + ": white space ends " + line);
            }
            assertTrue(body.contains("abcdefg=20\r\n") && body.contains("abcdefg=09\r\n") && body.contains("six=3Dseven=3Deight=3D\r\n"),
                    "offset " + offset + ": " + body);
        }
    }

    static OutgoingMail mail(String subject, String from, String text, String html) {
        return new OutgoingMail(from, "reader@example.com", null, subject, text, html, List.of(
                new OutgoingMail.Header("Message-ID", "<m1@valjean.test>"),
                new OutgoingMail.Header("Date", "Mon, 23 Nov 2026 10:00:00 GMT")));
    }

    private static MimeMessage parse(byte[] raw) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
    }

    private static String lf(String s) {
        return s.replace("\r\n", "\n");
    }

    private static void assertEveryLineEndsInCrlfAndFits(byte[] raw, int max) {
        String s = new String(raw, StandardCharsets.UTF_8);
        assertTrue(s.endsWith("\r\n"));
        for (String line : s.split("\r\n", -1)) {
            assertTrue(line.indexOf('\n') < 0 && line.indexOf('\r') < 0, "bare line break in: " + line);
            assertTrue(line.length() <= max, line.length() + " characters: " + line);
        }
    }

    private static String publicKeyRecord() {
        try {
            String pem = Files.readString(Path.of("src/test/resources/dkim/test-dkim-public.pem"));
            return "v=DKIM1; k=rsa; p=" + pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
