package dev.valjean.common;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

import jakarta.inject.Singleton;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed hashing and random tokens. Sub-keys are derived per use from VALJEAN_SIGNING_KEY so that
 * one use can never be replayed as another.
 */
@Singleton
public class Signing {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] master;
    private final java.util.Map<String, Key> subKeys = new java.util.concurrent.ConcurrentHashMap<>();
    private final Key emailKey;

    public Signing(SecretsConfig secrets) {
        // Missing in prod is refused by StartupChecks; the fallback only keeps build-time wiring working.
        this.master = secrets.signingKey().orElse("unset").getBytes(StandardCharsets.UTF_8);
        this.emailKey = subKey("email-hash");
    }

    /**
     * A URL-safe signature of {@code data} for one use ({@code purpose}), 128 bits: what makes
     * unsubscribe and preference links unforgeable without storing them.
     */
    public String sign(String purpose, String data) {
        byte[] mac = subKey(purpose).hmac(data.getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(mac, 16));
    }

    /** Whether {@code signature} is {@link #sign(String, String)} of the data, compared in constant time. */
    public boolean verify(String purpose, String data, String signature) {
        return MessageDigest.isEqual(sign(purpose, data).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    /** Full HMAC-SHA256 of {@code data} in hex under the sub-key for {@code purpose} (ALTCHA signatures). */
    public String hmacHex(String purpose, String data) {
        return HexFormat.of().formatHex(subKey(purpose).hmac(data.getBytes(StandardCharsets.UTF_8)));
    }

    private Key subKey(String purpose) {
        // Unsubscribe and preference links are signed for every message of a fan-out: derive once.
        return subKeys.computeIfAbsent(purpose, p -> new Key(hmac(master, ("valjean:" + p).getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * A sub-key, with a Mac keyed with it for each thread that uses it: looking up a Mac and keying it
     * cost more than the hash of a link's few bytes, twice for every message sent (doFinal leaves the
     * Mac keyed for the next use).
     */
    private static final class Key {
        private final ThreadLocal<Mac> macs;

        Key(byte[] key) {
            this.macs = ThreadLocal.withInitial(() -> keyed(key));
        }

        byte[] hmac(byte[] data) {
            return macs.get().doFinal(data);
        }
    }

    /** Keyed hash of a normalized address: the identity kept on the suppression list after erasure. */
    public String emailHash(String normalizedEmail) {
        return HexFormat.of().formatHex(emailKey.hmac(normalizedEmail.getBytes(StandardCharsets.UTF_8)));
    }

    /** HMAC-SHA256 of {@code data} in hex under a shared secret (webhook signatures, both ways). */
    public static String webhookSignature(String secret, String data) {
        return HexFormat.of().formatHex(hmac(secret.getBytes(StandardCharsets.UTF_8), data.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The value of the {@code X-Valjean-Signature} header on Valjean's outgoing webhooks (sales
     * requests, events): {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}.
     */
    public static String webhookHeader(String secret, long epochSeconds, String body) {
        return "t=" + epochSeconds + ",v1=" + webhookSignature(secret, epochSeconds + "." + body);
    }

    /** SHA-256 of a high-entropy secret (API tokens): stored instead of the secret itself. */
    public static String sha256(String secret) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** SHA-256 of some bytes, in hex (content fingerprints). */
    public static String sha256Hex(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** A URL-safe random token with the given number of random bytes. */
    public static String randomToken(int bytes) {
        byte[] buffer = new byte[bytes];
        RANDOM.nextBytes(buffer);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(buffer);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        return keyed(key).doFinal(data);
    }

    private static Mac keyed(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
