package dev.valjean.common;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Secrets come from the environment (or a secret file mounted as config); prod refuses to start without them. */
@ConfigMapping(prefix = "valjean")
public interface SecretsConfig {

    /** VALJEAN_ADMIN_TOKEN: the first admin API token. Dev mode generates and prints one when unset. */
    Optional<String> adminToken();

    /**
     * VALJEAN_SIGNING_KEY: key for signed links and the keyed address hash of the suppression list.
     * Changing it invalidates links already sent and unlinks existing suppressions.
     */
    Optional<String> signingKey();
}
