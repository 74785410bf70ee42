package dev.valjean.delivery;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Where bounces come back. */
@ConfigMapping(prefix = "valjean.bounces")
public interface BounceConfig {

    /**
     * With it, each message's envelope sender (Return-Path) is {@code bounces+<token>@<domain>},
     * the token naming its outbox row (VERP); without it, the envelope sender is the From address.
     */
    Optional<String> returnPathDomain();
}
