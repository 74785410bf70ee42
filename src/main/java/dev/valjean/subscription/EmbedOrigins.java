package dev.valjean.subscription;

import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.abuse.AbuseConfig;

/** The origins whose pages may embed the sign-up form ({@code valjean.abuse.embed-origins}). */
@ApplicationScoped
public class EmbedOrigins {

    private final List<String> origins;

    public EmbedOrigins(AbuseConfig config) {
        this.origins = config.embedOrigins().orElse(List.of()).stream().map(EmbedOrigins::normalize).toList();
    }

    public boolean allowed(String origin) {
        return origin != null && origins.contains(normalize(origin));
    }

    private static String normalize(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
