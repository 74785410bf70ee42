package dev.valjean.crm;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The inbound CRM webhook ({@code valjean.crm.*}). */
@ConfigMapping(prefix = "valjean.crm")
public interface CrmConfig {

    /** Shared secret of {@code POST /webhooks/crm}; without it the webhook is off (404). */
    Optional<String> webhookSecret();

    /** How far a signature's timestamp may be from now, either way (replay window). */
    @WithDefault("5m")
    Duration webhookTolerance();
}
