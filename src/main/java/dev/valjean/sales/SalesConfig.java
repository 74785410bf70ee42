package dev.valjean.sales;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Sales requests: the ideal customer profile and the CRM webhook ({@code valjean.sales.*}). */
@ConfigMapping(prefix = "valjean.sales")
public interface SalesConfig {

    /** The ideal customer profile. A request qualifies only when every rule that is set holds; with none set, none qualifies. */
    Icp icp();

    /** Where qualified requests are posted (JSON, HMAC-signed); unset: they are listed only. */
    Optional<String> webhookUrl();

    /** Key for the webhook's {@code X-Valjean-Signature}; required with a webhook URL. */
    Optional<String> webhookSecret();

    @WithDefault("8")
    int webhookMaxAttempts();

    /** How often pending webhook posts are attempted (a scheduler interval, or "off"). */
    @WithDefault("10s")
    String webhookEvery();

    interface Icp {
        /** Industries that fit (compared case-insensitively with the form's {@code industry}). */
        Optional<List<String>> industries();

        Optional<Integer> minEmployees();

        Optional<Integer> maxEmployees();

        /** ISO alpha-2 countries that fit (the form's {@code country}). */
        Optional<List<String>> countries();
    }
}
