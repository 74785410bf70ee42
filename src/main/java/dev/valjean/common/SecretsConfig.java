package dev.valjean.common;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * Top-level settings: the secrets (from the environment or a mounted secret file; prod refuses to
 * start without them) and the public address of the server.
 */
@ConfigMapping(prefix = "valjean")
public interface SecretsConfig {

    /** VALJEAN_PUBLIC_URL: the address people reach this server at; links in emails point here. */
    @io.smallrye.config.WithDefault("http://localhost:8080")
    String publicUrl();

    /** VALJEAN_ADMIN_TOKEN: the first admin API token. Dev mode generates and prints one when unset. */
    Optional<String> adminToken();

    /**
     * VALJEAN_SIGNING_KEY: key for signed links and the keyed address hash of the suppression list.
     * Changing it invalidates links already sent and unlinks existing suppressions.
     */
    Optional<String> signingKey();
}
