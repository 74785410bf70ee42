package dev.valjean.common;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;

/** Prod refuses to start without its secrets, and says which ones are missing. */
@Singleton
public class StartupChecks {

    void check(@Observes @Priority(1) StartupEvent event, SecretsConfig secrets) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        List<String> missing = new ArrayList<>();
        if (secrets.adminToken().filter(s -> !s.isBlank()).isEmpty()) {
            missing.add("VALJEAN_ADMIN_TOKEN (the first admin API token)");
        }
        if (secrets.signingKey().filter(s -> s.length() >= 32).isEmpty()) {
            missing.add("VALJEAN_SIGNING_KEY (at least 32 characters; signs links and keys the suppression list)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Valjean refuses to start without its secrets. Missing: " + String.join(", ", missing));
        }
    }
}
