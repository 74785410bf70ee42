package dev.valjean.support;

/**
 * Bounce and complaint reports as mail servers write them, for tests: written as text (the MIME a
 * receiving server sends), so the parser under test reads what it would read from the wire.
 */
public final class Reports {

    private Reports() {
    }

    /** A delivery status notification as a receiving server writes it (RFC 3464). */
    public static byte[] dsn(String to, String recipient, String action, String status, String diagnostic, String originalMessageId) {
        return report("delivery-status", to, "MAILER-DAEMON@mx.elsewhere.example", "Undelivered Mail Returned to Sender",
                "I'm sorry to have to inform you that your message could not be delivered to one or more recipients.\r\n\r\n<" + recipient
                        + ">: " + diagnostic,
                "message/delivery-status", "Reporting-MTA: dns; mx.elsewhere.example\r\n\r\nFinal-Recipient: rfc822; " + recipient
                        + "\r\nAction: " + action + "\r\nStatus: " + status + "\r\nDiagnostic-Code: " + diagnostic,
                "From: sender@valjean.test\r\nTo: " + recipient + "\r\nSubject: Hello"
                        + (originalMessageId == null ? "" : "\r\nMessage-ID: " + originalMessageId));
    }

    /** A feedback report (RFC 5965) as a mailbox provider sends it when a person marks a message as spam. */
    public static byte[] arf(String recipient, String originalMessageId) {
        return report("feedback-report", "abuse@valjean.test", "feedback@provider.example", "FW: Hello",
                "This is an email abuse report for an email message received from IP 192.0.2.1.",
                "message/feedback-report", "Feedback-Type: abuse\r\nUser-Agent: ProviderFBL/1.0\r\nVersion: 1\r\n"
                        + "Original-Mail-From: <bounces@valjean.test>\r\nOriginal-Rcpt-To: <" + recipient + ">\r\n"
                        + "Arrival-Date: Thu, 8 Mar 2026 14:00:00 +0000",
                "From: news@valjean.test\r\nTo: " + recipient + "\r\nSubject: Hello\r\nMessage-ID: " + originalMessageId);
    }

    /** A multipart/report as mail servers write it: the words for people, the machine-readable part, the returned headers. */
    private static byte[] report(String reportType, String to, String from, String subject, String human, String machineType, String machine,
            String returnedHeaders) {
        String b = "b-" + Integer.toHexString((to + subject + machine).hashCode());
        String raw = "Return-Path: <>\r\nFrom: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject
                + "\r\nDate: Thu, 8 Mar 2026 14:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=" + reportType
                + "; boundary=\"" + b + "\"\r\n\r\n--" + b + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n" + human + "\r\n\r\n--" + b
                + "\r\nContent-Type: " + machineType + "\r\n\r\n" + machine + "\r\n\r\n--" + b + "\r\nContent-Type: text/rfc822-headers\r\n\r\n"
                + returnedHeaders + "\r\n\r\n--" + b + "--\r\n";
        return raw.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
