package dev.valjean.delivery;

import java.util.List;

/**
 * One composed message, before MIME encoding: a multipart/alternative text and HTML body and
 * the headers Valjean sets. Values are header-safe (no CR or LF); {@link MimeEncoder} encodes
 * what is not ASCII.
 *
 * @param headers further headers in order (Message-ID, Date, List-*, Auto-Submitted)
 */
public record OutgoingMail(String from, String to, String replyTo, String subject, String text, String html,
        List<Header> headers) {

    public record Header(String name, String value) {
    }

    /** The bare address of {@code from} ("Name <a@b>" or "a@b"), for the SMTP envelope. */
    public String envelopeFrom() {
        return MimeEncoder.addressOf(from);
    }
}
