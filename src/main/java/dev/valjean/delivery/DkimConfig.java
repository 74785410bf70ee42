package dev.valjean.delivery;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * DKIM signing by {@link DkimSigner}, set up when the server starts (a bad key stops the start).
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
