package dev.valjean.auth;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.valjean.common.SecretsConfig;
import dev.valjean.common.Signing;
import io.quarkus.logging.Log;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/**
 * Registers the first admin token from VALJEAN_ADMIN_TOKEN. In dev mode, when it is unset, a token
 * is generated and printed so a newcomer can call the API at once. Prod without it is refused by
 * {@link dev.valjean.common.StartupChecks}.
 */
@Singleton
public class AdminTokenBootstrap {

    void onStart(@Observes StartupEvent event, SecretsConfig secrets, ApiTokenService tokens) {
        String secret = secrets.adminToken().filter(s -> !s.isBlank()).orElse(null);
        if (secret == null && LaunchMode.current() == LaunchMode.DEVELOPMENT) {
            secret = "vj_dev_" + Signing.randomToken(24);
            Log.infof("""

                    ==================================================================
                     Valjean dev mode: admin API token (set VALJEAN_ADMIN_TOKEN to fix it)
                       %s
                     Try: curl -H 'Authorization: Bearer %s' localhost:8080/api/v1/outbox
                    ==================================================================""", secret, secret);
        }
        if (secret != null) {
            tokens.ensureBootstrapAdmin(secret);
        }
    }
}
