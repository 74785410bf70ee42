package dev.valjean.mail;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.SecretsConfig;
import dev.valjean.common.Signing;

/**
 * The public links in emails and pages. Confirmation links carry a random token stored hashed;
 * unsubscribe and preference links are signed ids, so they never expire and need no storage.
 */
@ApplicationScoped
public class Links {

    private static final String UNSUBSCRIBE = "unsubscribe";
    private static final String PREFERENCES = "preferences";
    private static final String NURTURE_OPT_OUT = "nurture-opt-out";

    private final String base;
    private final Signing signing;

    public Links(SecretsConfig config, Signing signing) {
        String publicUrl = config.publicUrl();
        this.base = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
        this.signing = signing;
    }

    public String base() {
        return base;
    }

    public String confirm(String token) {
        return base + "/confirm/" + token;
    }

    public String subscribe(String slug) {
        return base + "/subscribe/" + slug;
    }

    public String unsubscribe(long subscriptionId) {
        return base + "/unsubscribe/" + unsubscribeToken(subscriptionId);
    }

    public String preferences(long contactId) {
        return base + "/preferences/" + preferencesToken(contactId);
    }

    public String unsubscribeToken(long subscriptionId) {
        return subscriptionId + "." + signing.sign(UNSUBSCRIBE, String.valueOf(subscriptionId));
    }

    public String preferencesToken(long contactId) {
        return contactId + "." + signing.sign(PREFERENCES, String.valueOf(contactId));
    }

    /** The one-click opt-out from every sequence (newsletters unaffected) carried by each nurture email. */
    public String nurtureOptOut(long contactId) {
        return base + "/nurture/opt-out/" + nurtureOptOutToken(contactId);
    }

    public String nurtureOptOutToken(long contactId) {
        return contactId + "." + signing.sign(NURTURE_OPT_OUT, String.valueOf(contactId));
    }

    /** The contact id a genuine nurture opt-out token names, or null. */
    public Long contactOfNurtureOptOut(String token) {
        return idOf(NURTURE_OPT_OUT, token);
    }

    /** The subscription id a genuine unsubscribe token names, or null for a forged or mangled one. */
    public Long subscriptionOf(String token) {
        return idOf(UNSUBSCRIBE, token);
    }

    /** The contact id a genuine preference-centre token names, or null. */
    public Long contactOf(String token) {
        return idOf(PREFERENCES, token);
    }

    private Long idOf(String purpose, String token) {
        if (token == null || token.length() > 100) {
            return null;
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        String id = token.substring(0, dot);
        if (!id.chars().allMatch(Character::isDigit) || id.length() > 18 || !signing.verify(purpose, id, token.substring(dot + 1))) {
            return null;
        }
        return Long.valueOf(id);
    }
}
