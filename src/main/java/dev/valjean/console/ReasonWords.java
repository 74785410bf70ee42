package dev.valjean.console;

import java.util.Locale;

import io.quarkus.qute.TemplateExtension;

/** Why a message was skipped or failed, in words an editor understands (the codes stay in the API). */
@TemplateExtension
public final class ReasonWords {

    private ReasonWords() {
    }

    static String inWords(String code) {
        if (code == null) {
            return "for no recorded reason";
        }
        return switch (code) {
            case "SUBSCRIPTION_UNSUBSCRIBED" -> "unsubscribed after the send started";
            case "SUPPRESSED_GLOBAL_OPT_OUT", "GLOBAL_OPT_OUT" -> "asked never to be emailed";
            case "SUPPRESSED_COMPLAINT", "COMPLAINT" -> "reported an email as spam";
            case "SUPPRESSED_HARD_BOUNCE", "HARD_BOUNCE" -> "address bounced";
            case "OPPORTUNITY_WON" -> "the deal was won";
            case "OPPORTUNITY_LOST" -> "the deal was lost";
            case "SUPPRESSED_ERASURE", "ERASED" -> "erased at their request";
            case "REJECTED" -> "refused by the relay";
            case "RETRIES_EXHAUSTED" -> "the relay kept failing";
            case "COMPOSE_FAILED" -> "could not be composed";
            case "CONTACT_MISSING" -> "the person no longer exists";
            default -> code.startsWith("SUBSCRIPTION_") ? "no longer subscribed"
                    : code.startsWith("SUPPRESSED_") ? "suppressed" : words(code);
        };
    }

    /** A code as words: {@code HOSTED_PAGE} → "hosted page". */
    static String words(Object code) {
        return code == null ? "" : code.toString().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
