package dev.valjean.bounce;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;

import org.eclipse.angus.mail.dsn.DeliveryStatus;
import org.jsoup.Jsoup;

/**
 * Reads a bounce or a complaint as MIME (Angus Mail): feedback reports (RFC 5965), delivery
 * status notifications (RFC 3464), automatic replies (RFC 3834), and the plain-text notices that
 * many servers write instead (qmail, Exim, Exchange, Yahoo, ...), and says for each failed
 * recipient why it failed. It also returns what attributes the report to a message: the
 * addresses the report was sent to (a VERP address) and the returned message's Message-ID.
 */
public final class BounceParser {

    /** One failed recipient. */
    public record Finding(String recipient, BounceReason reason, String status, String diagnostic) {
        public BounceClass bounceClass() {
            return reason.bounceClass();
        }
    }

    /** What a report says and what it points at. */
    public record Report(List<Finding> findings, List<String> sentTo, String originalMessageId, String originalRecipient, String subject) {
    }

    /** The raw message is not a MIME message at all. */
    public static final class Unreadable extends Exception {
        Unreadable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Session SESSION;

    static {
        Properties p = new Properties();
        p.setProperty("mail.mime.address.strict", "false");
        p.setProperty("mail.mime.parameters.strict", "false");
        p.setProperty("mail.mime.multipart.ignoremissingendboundary", "true");
        p.setProperty("mail.mime.multipart.allowempty", "true");
        p.setProperty("mail.mime.decodetext.strict", "false");
        p.setProperty("mail.mime.ignoreunknownencoding", "true");
        SESSION = Session.getInstance(p);
    }

    private static final Pattern ADDRESS = Pattern.compile(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~][A-Za-z0-9!#$%&'*+/=?^_`{|}~.\\-]*@[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9\\-]*[A-Za-z0-9])?)*\\.[A-Za-z]{2,}");

    /** Where a plain-text notice stops describing the failure and starts quoting the message. */
    private static final Pattern ORIGINAL_FOLLOWS = Pattern.compile("(?im)^[\\s>|\\-=_*#]*(?:"
            + "-+ ?below this line is a copy of the message|below this line is a copy of the message"
            + "|-+ ?this is a copy of the message|this is a copy of the (original )?message"
            + "|(?:-+ ?)?original message follows|original message (headers )?follows?"
            + "|-+ ?original message -+|-+ ?original message\\s*$|message headers follow|headers of (?:the )?original message"
            + "|(?:the )?header of the original message|-+ ?the header of the original message|-+ ?returned (?:mail|message)\\b"
            + "|-+ ?undelivered message|undelivered message (?:headers )?follows|the original message headers|included is a copy"
            + "|-+ ?(?:begin|start) (?:of )?(?:returned|original|forwarded) message|---+ ?message header follows"
            + "|a copy of the original message|original-message-id|-+ ?unsent message below|-+ ?partial message header"
            + "|your message (?:reads|header)|-+ ?the following is the header|content-type: message/rfc822)");

    private static final Pattern VACATION_SUBJECT = Pattern.compile(
            "(?i)^(auto(matic)?[ -]?(reply|response|antwort)|out of (the )?office|on vacation|vacation|abwesenheit|auto:|absence|away from)");

    private static final Set<String> NOT_RECIPIENTS = Set.of("mailer-daemon", "postmaster", "abuse", "noreply", "no-reply", "root");

    private BounceParser() {
    }

    public static Report parse(byte[] raw) throws Unreadable {
        MimeMessage message;
        try {
            message = new MimeMessage(SESSION, new ByteArrayInputStream(raw));
            message.getContentType();
        } catch (MessagingException e) {
            throw new Unreadable("not a MIME message: " + e.getMessage(), e);
        }
        Parts parts = new Parts();
        try {
            collect(message, parts, 0);
        } catch (MessagingException | IOException e) {
            // a broken part: read what came before it
        }
        String subject = headerText(message, "Subject");
        List<String> sentTo = new ArrayList<>();
        for (String h : List.of("X-Original-To", "Delivered-To", "Envelope-To", "X-Envelope-To", "To", "X-Failed-Recipients-Of")) {
            for (String v : headers(message, h)) {
                for (String a : addressesIn(v)) {
                    if (!sentTo.contains(a)) {
                        sentTo.add(a);
                    }
                }
            }
        }
        InternetHeaders original = parts.original;
        String originalId = original == null ? null : unfold(original.getHeader("Message-ID", null));
        String originalTo = original == null ? null : first(addressesIn(unfold(original.getHeader("To", ","))));
        if (original != null) {
            for (String a : addressesIn(unfold(original.getHeader("Return-Path", ",")))) {
                if (!sentTo.contains(a)) {
                    sentTo.add(a);
                }
            }
        }

        List<Finding> findings;
        SesEvents.Event ses;
        String hotmail = original == null ? null : unfold(original.getHeader("X-HmXmrOriginalRecipient", null));
        if (parts.feedback.isEmpty() && hotmail != null && parts.statuses.isEmpty()) {
            // Outlook.com's junk-mail reporting program sends the message back with this header instead of an RFC 5965 report
            findings = addressesIn(hotmail).stream().map(a -> new Finding(a, BounceReason.FEEDBACK, null, "abuse")).toList();
        } else if (!parts.feedback.isEmpty()) {
            findings = complaints(parts, originalTo);
        } else if (parts.statuses.isEmpty() && (ses = sesEvent(parts)) != null) {
            findings = ses.findings();
            originalId = originalId != null ? originalId : ses.messageId();
        } else if (!parts.statuses.isEmpty() && !(findings = fromStatuses(parts)).isEmpty()) {
            // findings set
        } else if (autoReply(message, subject)) {
            String from = first(addressesIn(headerText(message, "From")));
            findings = from == null ? List.of() : List.of(new Finding(from, BounceReason.VACATION, null, subject));
        } else if (looksLikeBounce(message, subject, original)) {
            findings = fromText(parts, message, original);
        } else {
            // not a report at all (a reply, a newsletter): addresses in its text failed nothing
            findings = List.of();
        }
        return new Report(findings, sentTo, originalId, originalTo, subject);
    }

    // ---- walking the MIME tree

    private static final class Parts {
        final List<String> texts = new ArrayList<>();
        final List<InternetHeaders> feedback = new ArrayList<>();
        final List<DeliveryStatus> statuses = new ArrayList<>();
        InternetHeaders original;
    }

    private static void collect(Part part, Parts parts, int depth) throws MessagingException, IOException {
        if (depth > 8) {
            return;
        }
        String type = baseType(part);
        if (type.startsWith("multipart/")) {
            Multipart mp = new MimeMultipart(new jakarta.mail.util.ByteArrayDataSource(part.getInputStream(), part.getContentType()));
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart child = mp.getBodyPart(i);
                try {
                    collect(child, parts, depth + 1);
                } catch (MessagingException | IOException e) {
                    // a broken part: the others still count
                }
            }
            return;
        }
        switch (type) {
            case "message/feedback-report" -> parts.feedback.add(new InternetHeaders(new ByteArrayInputStream(bytes(part))));
            case "message/delivery-status", "message/global-delivery-status" -> {
                byte[] b = bytes(part);
                try {
                    parts.statuses.add(new DeliveryStatus(new ByteArrayInputStream(b)));
                } catch (MessagingException | IOException e) {
                    parts.texts.add(new String(b, StandardCharsets.UTF_8));
                }
            }
            case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers", "message/partial",
                    "message/global-headers" -> {
                if (parts.original == null) {
                    parts.original = new InternetHeaders(new ByteArrayInputStream(bytes(part)));
                }
            }
            case "text/plain", "text/html", "text/enriched", "text/x-aol" -> {
                String text = text(part);
                if (!parts.texts.isEmpty() && Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) && parts.original == null) {
                    parts.original = new InternetHeaders(new ByteArrayInputStream(text.strip().getBytes(StandardCharsets.UTF_8)));
                    return;
                }
                parts.texts.add(type.equals("text/html") ? Jsoup.parse(text).wholeText() : text);
            }
            default -> {
                if (type.startsWith("text/") || (depth == 0 && !type.startsWith("application/"))) {
                    parts.texts.add(text(part));
                }
            }
        }
    }

    private static String baseType(Part part) throws MessagingException {
        String ct = part.getContentType();
        if (ct == null) {
            return "text/plain";
        }
        try {
            return new ContentType(ct).getBaseType().toLowerCase(Locale.ROOT);
        } catch (jakarta.mail.internet.ParseException e) {
            String s = ct.toLowerCase(Locale.ROOT).strip();
            int semi = s.indexOf(';');
            return semi < 0 ? s : s.substring(0, semi).strip();
        }
    }

    private static byte[] bytes(Part part) throws MessagingException, IOException {
        try (InputStream in = part.getInputStream()) {
            return in.readAllBytes();
        }
    }

    private static String text(Part part) throws MessagingException, IOException {
        byte[] b = bytes(part);
        Charset cs = StandardCharsets.UTF_8;
        try {
            String name = new ContentType(part.getContentType()).getParameter("charset");
            if (name != null) {
                cs = Charset.forName(MimeUtility.javaCharset(name.strip()));
            }
        } catch (RuntimeException | jakarta.mail.internet.ParseException e) {
            cs = StandardCharsets.UTF_8;
        }
        return new String(b, cs);
    }

    // ---- feedback reports (RFC 5965)

    private static List<Finding> complaints(Parts parts, String originalTo) {
        Set<String> recipients = new LinkedHashSet<>();
        for (InternetHeaders report : parts.feedback) {
            for (String h : List.of("Original-Rcpt-To", "Removal-Recipient")) {
                String[] values = report.getHeader(h);
                if (values != null) {
                    for (String v : values) {
                        recipients.addAll(addressesIn(v));
                    }
                }
            }
        }
        if (recipients.isEmpty() && originalTo != null) {
            recipients.add(originalTo);
        }
        String type = parts.feedback.isEmpty() ? null : unfold(parts.feedback.get(0).getHeader("Feedback-Type", null));
        List<Finding> out = new ArrayList<>();
        for (String r : recipients) {
            out.add(new Finding(r, BounceReason.FEEDBACK, null, "Feedback-Type: " + (type == null ? "abuse" : type.strip())));
        }
        return out;
    }

    // ---- Amazon SES notifications sent by email (an SNS email subscription)

    private static SesEvents.Event sesEvent(Parts parts) {
        for (String text : parts.texts) {
            int open = text.indexOf('{');
            int close = text.lastIndexOf('}');
            if (open >= 0 && close > open && (text.contains("notificationType") || text.contains("eventType"))) {
                String json = text.substring(open, close + 1);
                SesEvents.Event e = SesEvents.read(json);
                if (e == null) {
                    // a mail client or relay wrapped the long line: raw line breaks are never valid inside JSON strings
                    e = SesEvents.read(json.replaceAll("\r?\n", ""));
                }
                if (e != null) {
                    return e;
                }
            }
        }
        return null;
    }

    // ---- delivery status notifications (RFC 3464)

    private static List<Finding> fromStatuses(Parts parts) {
        String human = String.join("\n", parts.texts);
        Map<String, Finding> out = new LinkedHashMap<>();
        for (DeliveryStatus ds : parts.statuses) {
            for (int i = 0; i < ds.getRecipientDSNCount(); i++) {
                InternetHeaders r = ds.getRecipientDSN(i);
                String action = lower(unfold(r.getHeader("Action", null)));
                if (action != null && (action.startsWith("delivered") || action.startsWith("relayed") || action.startsWith("expanded"))) {
                    continue;
                }
                String recipient = first(addressesIn(typed(unfold(r.getHeader("Final-Recipient", null)))));
                if (recipient == null) {
                    recipient = first(addressesIn(typed(unfold(r.getHeader("Original-Recipient", null)))));
                }
                if (recipient == null) {
                    continue;
                }
                String status = ReasonRules.statusIn(unfold(r.getHeader("Status", null)));
                String diagnostic = typed(unfold(r.getHeader("Diagnostic-Code", null)));
                if (diagnostic == null || diagnostic.isBlank()) {
                    diagnostic = around(human, recipient);
                }
                String said = ReasonRules.statusIn(diagnostic);
                if (status == null || said != null && status.endsWith(".0.0") && said.charAt(0) == status.charAt(0)) {
                    // a generic X.0.0 in the Status field, a precise code in the server's own reply: the reply says more
                    status = said != null ? said : status;
                }
                String context = around(human, recipient);
                BounceReason reason = ReasonRules.reason(diagnostic, status, context);
                if (reason == BounceReason.ONHOLD && !human.isBlank()) {
                    reason = ReasonRules.reason(context, status);
                }
                if (action != null && action.startsWith("delayed") && reason.bounceClass() == BounceClass.HARD) {
                    // a delay is never final
                    reason = BounceReason.ONHOLD;
                }
                out.putIfAbsent(recipient, new Finding(recipient, reason, status, clip(diagnostic)));
            }
        }
        return new ArrayList<>(out.values());
    }

    // ---- automatic replies (RFC 3834)

    private static final Pattern FAILURE_SUBJECT = Pattern.compile(
            "(?i)fail|undeliver|undelivered|returned|delivery|bounce|error|rejected|non[- ]?remis|unzustellbar|not (be )?delivered|problem|notice");

    private static boolean autoReply(MimeMessage message, String subject) {
        String from = lower(headerText(message, "From"));
        if (from == null || from.contains("mailer-daemon") || from.contains("postmaster") || from.contains("mail delivery")
                || subject != null && FAILURE_SUBJECT.matcher(subject).find()) {
            return false;
        }
        String auto = lower(headerText(message, "Auto-Submitted"));
        if (auto != null && auto.startsWith("auto-replied")) {
            return true;
        }
        if (headerText(message, "X-Autoreply") != null || headerText(message, "X-Autorespond") != null) {
            return true;
        }
        String precedence = lower(headerText(message, "Precedence"));
        if (precedence != null && precedence.contains("auto_reply")) {
            return true;
        }
        return subject != null && VACATION_SUBJECT.matcher(subject.strip()).find();
    }

    // ---- plain-text notices

    /** A notice from a mail system: an empty envelope sender, a daemon's From, a failure's subject, or a returned message. */
    private static boolean looksLikeBounce(MimeMessage message, String subject, InternetHeaders original) {
        String returnPath = lower(headerText(message, "Return-Path"));
        if (returnPath != null && returnPath.replaceAll("[<>\\s]", "").isEmpty()) {
            return true;
        }
        String from = lower(headerText(message, "From"));
        if (from != null && (from.contains("mailer-daemon") || from.contains("postmaster") || from.contains("mail delivery")
                || from.contains("mail administrator") || from.contains("mmsc") || from.contains("mailer"))) {
            return true;
        }
        return subject != null && FAILURE_SUBJECT.matcher(subject).find() || original != null;
    }

    private static List<Finding> fromText(Parts parts, MimeMessage message, InternetHeaders original) {
        String all = String.join("\n", parts.texts);
        Matcher cut = ORIGINAL_FOLLOWS.matcher(all);
        String notice = cut.find() ? all.substring(0, cut.start()) : all;
        Set<String> notThem = new LinkedHashSet<>();
        for (String h : List.of("From", "To", "Reply-To", "Sender", "Return-Path")) {
            notThem.addAll(addressesIn(headerText(message, h)));
        }
        if (original != null) {
            notThem.addAll(addressesIn(unfold(original.getHeader("From", ","))));
            notThem.addAll(addressesIn(unfold(original.getHeader("Return-Path", ","))));
        }
        List<String> failed = new ArrayList<>();
        {
            // addresses that begin a line ("<a@b>:", "a@b [User unknown]", ">>> a@b") are the failed ones when there are any
            List<String> leading = new ArrayList<>();
            List<String> anywhere = new ArrayList<>();
            Matcher m = ADDRESS.matcher(notice);
            while (m.find()) {
                String a = m.group().toLowerCase(Locale.ROOT).replaceAll("\\.+$", "");
                String local = a.substring(0, a.indexOf('@'));
                if (notThem.contains(a) || NOT_RECIPIENTS.contains(local)) {
                    continue;
                }
                int lineStart = notice.lastIndexOf('\n', m.start()) + 1;
                String before = notice.substring(lineStart, m.start()).replaceAll("[\\s<>\"'*:>-]", "");
                if (before.isEmpty() || before.matches("(?i)(rcpt ?to|to|recipient|original-recipient|final-recipient|address(es)?|failed|rfc822;?)+")) {
                    if (!leading.contains(a)) {
                        leading.add(a);
                    }
                }
                if (!anywhere.contains(a)) {
                    anywhere.add(a);
                }
            }
            // the notice's own lines first; Exim's X-Failed-Recipients header when they name nobody
            List<String> header = headerAddresses(message, "X-Failed-Recipients");
            failed.addAll(!leading.isEmpty() ? leading : !header.isEmpty() ? header : anywhere);
        }
        if (failed.isEmpty() && original != null) {
            String to = first(addressesIn(unfold(original.getHeader("To", ","))));
            if (to != null && !notice.isBlank()) {
                failed.add(to);
            }
        }
        List<Finding> out = new ArrayList<>();
        for (int i = 0; i < failed.size(); i++) {
            String recipient = failed.get(i);
            String own = around(notice, recipient);
            BounceReason reason = ReasonRules.reason(own, null);
            String status = ReasonRules.statusIn(own);
            if (reason == BounceReason.ONHOLD) {
                reason = ReasonRules.reason(notice, null);
                status = status != null ? status : ReasonRules.statusIn(notice);
            }
            out.add(new Finding(recipient, reason, status, clip(own)));
        }
        return out;
    }

    /** The part of a notice about one recipient: from its first mention to the next address line, at most 1,500 characters. */
    private static String around(String text, String recipient) {
        if (text == null || text.isEmpty()) {
            return "";
        }
        int i = text.toLowerCase(Locale.ROOT).indexOf(recipient.toLowerCase(Locale.ROOT));
        if (i < 0) {
            return text.length() > 3000 ? text.substring(0, 3000) : text;
        }
        int start = text.lastIndexOf('\n', Math.max(0, i - 1));
        start = start < 0 ? 0 : start;
        int end = Math.min(text.length(), i + 1500);
        Matcher next = ADDRESS.matcher(text);
        next.region(i + recipient.length(), end);
        while (next.find()) {
            String a = next.group().toLowerCase(Locale.ROOT);
            int lineStart = text.lastIndexOf('\n', next.start()) + 1;
            boolean leads = text.substring(lineStart, next.start()).strip().replaceAll("[<\"']", "").isEmpty();
            if (!a.equalsIgnoreCase(recipient) && leads) {
                end = lineStart;
                break;
            }
        }
        return text.substring(start, Math.max(start, end));
    }

    // ---- small helpers

    private static List<String> headers(MimeMessage message, String name) {
        try {
            String[] v = message.getHeader(name);
            return v == null ? List.of() : List.of(v);
        } catch (MessagingException e) {
            return List.of();
        }
    }

    private static List<String> headerAddresses(MimeMessage message, String name) {
        List<String> out = new ArrayList<>();
        for (String v : headers(message, name)) {
            out.addAll(addressesIn(v));
        }
        return out;
    }

    private static String headerText(MimeMessage message, String name) {
        List<String> v = headers(message, name);
        if (v.isEmpty()) {
            return null;
        }
        try {
            return MimeUtility.decodeText(MimeUtility.unfold(v.get(0)));
        } catch (UnsupportedEncodingException | RuntimeException e) {
            return MimeUtility.unfold(v.get(0));
        }
    }

    static List<String> addressesIn(String text) {
        if (text == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        Matcher m = ADDRESS.matcher(text);
        while (m.find()) {
            String a = m.group().toLowerCase(Locale.ROOT).replaceAll("\\.+$", "");
            if (!out.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    /** The value of a typed DSN field ("rfc822; a@b", "smtp; 550 ...") without its type. */
    private static String typed(String value) {
        if (value == null) {
            return null;
        }
        int semi = value.indexOf(';');
        if (semi > 0 && semi < 16 && value.substring(0, semi).strip().matches("(?i)[a-z0-9-]+")) {
            return value.substring(semi + 1).strip();
        }
        return value.strip();
    }

    private static String unfold(String value) {
        return value == null ? null : MimeUtility.unfold(value).replaceAll("\\s+", " ").strip();
    }

    private static String lower(String s) {
        return s == null ? null : s.strip().toLowerCase(Locale.ROOT);
    }

    private static String first(List<String> list) {
        return list.isEmpty() ? null : list.get(0);
    }

    private static String clip(String s) {
        if (s == null) {
            return null;
        }
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 500 ? one.substring(0, 500) : one;
    }
}
