package dev.valjean.delivery;

import java.util.List;

/**
 * One composed message, before MIME encoding: a multipart/alternative text and HTML body and
 * the headers Valjean sets. Values are header-safe (no CR or LF); {@link MimeEncoder} encodes
 * what is not ASCII.
 *
 * @param headers further headers in order (Message-ID, Date, List-*, Auto-Submitted)
 * @param returnPath the envelope sender when bounces go to a VERP address, else null
 */
public record OutgoingMail(String from, String to, String replyTo, String subject, String text, String html,
        List<Header> headers, String returnPath) {

    public OutgoingMail(String from, String to, String replyTo, String subject, String text, String html, List<Header> headers) {
        this(from, to, replyTo, subject, text, html, headers, null);
    }

    public record Header(String name, String value) {
    }

    /** The SMTP envelope sender: the VERP return path when there is one, else the bare address of {@code from}. */
    public String envelopeFrom() {
        return returnPath != null ? returnPath : MimeEncoder.addressOf(from);
    }
}
