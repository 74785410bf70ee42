package dev.valjean.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Amazon SES notifications (bounce, complaint, delivery), whether they arrive through an SNS
 * webhook or as an email from an SNS email subscription: the SES event inside, as findings.
 */
public final class SesEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SesEvents() {
    }

    /** An SES event and the message it is about. */
    public record Event(String type, List<BounceParser.Finding> findings, String messageId) {
    }

    /** The SES event in an SNS envelope's "Message", or in the JSON itself; null when it is neither. */
    public static Event read(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            if (node == null || !node.isObject()) {
                return null;
            }
            if (node.path("Message").isTextual()) {
                JsonNode inner = JSON.readTree(node.get("Message").asText());
                if (inner != null && inner.isObject()) {
                    node = inner;
                }
            }
            return event(node);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    static Event event(JsonNode node) {
        String type = node.path("notificationType").asText(node.path("eventType").asText(""));
        if (type.isEmpty()) {
            return null;
        }
        List<BounceParser.Finding> findings = new ArrayList<>();
        switch (type.toLowerCase(Locale.ROOT)) {
            case "bounce" -> {
                JsonNode bounce = node.path("bounce");
                String kind = bounce.path("bounceType").asText("");
                String sub = bounce.path("bounceSubType").asText("");
                for (JsonNode r : bounce.path("bouncedRecipients")) {
                    String address = r.path("emailAddress").asText("").strip().toLowerCase(Locale.ROOT);
                    if (address.isEmpty()) {
                        continue;
                    }
                    String diagnostic = r.path("diagnosticCode").asText(null);
                    String status = ReasonRules.statusIn(r.path("status").asText(null));
                    BounceReason reason = ReasonRules.reason(diagnostic == null ? sub : diagnostic, status);
                    if (kind.equals("Permanent") && reason == BounceReason.ONHOLD
                            && (sub.equals("NoEmail") || sub.equals("General") || sub.contains("Suppress"))) {
                        // SES says the address is gone (or on its suppression list for having bounced) and the words add nothing
                        reason = BounceReason.USERUNKNOWN;
                    } else if (!kind.equals("Permanent") && reason.bounceClass() == BounceClass.HARD) {
                        reason = BounceReason.ONHOLD;
                    } else if (kind.equals("Transient") && reason == BounceReason.ONHOLD && sub.equals("MailboxFull")) {
                        reason = BounceReason.MAILBOXFULL;
                    }
                    findings.add(new BounceParser.Finding(address, reason, status, diagnostic == null ? kind + "/" + sub : diagnostic));
                }
            }
            case "complaint" -> {
                JsonNode complaint = node.path("complaint");
                String feedback = complaint.path("complaintFeedbackType").asText("abuse");
                if (!feedback.equalsIgnoreCase("not-spam")) {
                    for (JsonNode r : complaint.path("complainedRecipients")) {
                        String address = r.path("emailAddress").asText("").strip().toLowerCase(Locale.ROOT);
                        if (!address.isEmpty()) {
                            findings.add(new BounceParser.Finding(address, BounceReason.FEEDBACK, null, feedback));
                        }
                    }
                }
            }
            default -> {
                // deliveries, sends, opens: nothing failed
            }
        }
        String messageId = node.path("mail").path("commonHeaders").path("messageId").asText(null);
        if (messageId == null) {
            for (JsonNode h : node.path("mail").path("headers")) {
                if (h.path("name").asText("").equalsIgnoreCase("Message-ID")) {
                    messageId = h.path("value").asText(null);
                }
            }
        }
        return new Event(type, findings, messageId);
    }
}
