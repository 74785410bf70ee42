package dev.valjean.delivery;

import java.util.List;
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

    /**
     * Headers to sign, in order; default From, To, Subject, Reply-To, List-Unsubscribe,
     * List-Unsubscribe-Post, List-Id, Feedback-ID, MIME-Version, Content-Type. Date and Message-ID are left
     * out because relays such as Amazon SES rewrite them.
     */
    Optional<List<String>> signedHeaders();

    /** Headers named once more than they occur, so none can be added after signing; default From, To, Subject. */
    Optional<List<String>> oversignedHeaders();
}
