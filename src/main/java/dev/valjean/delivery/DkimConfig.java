package dev.valjean.delivery;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * DKIM signing; read at start by {@link DkimConfigSourceFactory}, which configures the mailer.
 * Signing is on when a key file is set.
 */
@ConfigMapping(prefix = "valjean.dkim")
public interface DkimConfig {

    /** PKCS#8 PEM file with an RSA key of at least 2048 bits. */
    Optional<String> keyFile();

    /** The signing domain (d=). */
    Optional<String> domain();

    /** The selector (s=); the public key is published at selector._domainkey.domain. */
    Optional<String> selector();
}
