package dev.valjean.abuse;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.Signing;
import dev.valjean.common.Sql;

/**
 * A self-hosted proof-of-work challenge following the ALTCHA protocol (v1, SHA-256): the client
 * finds the number that hashes with the salt to the challenge; the server checks the HMAC
 * signature, the expiry carried in the salt, the work, and that the solution is used only once.
 */
@ApplicationScoped
public class ChallengeService {

    /** What {@code GET /api/v1/challenge} returns; field names are the protocol's. */
    public record Challenge(String algorithm, String challenge, int maxnumber, String salt, String signature) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PURPOSE = "altcha";

    private final Signing signing;
    private final AbuseConfig config;
    private final Clock clock;
    private final Sql sql;
    private final ObjectMapper json;

    public ChallengeService(Signing signing, AbuseConfig config, Clock clock, Sql sql, ObjectMapper json) {
        this.signing = signing;
        this.config = config;
        this.clock = clock;
        this.sql = sql;
        this.json = json;
    }

    public Challenge create() {
        byte[] random = new byte[12];
        RANDOM.nextBytes(random);
        long expires = clock.instant().plus(config.challengeTtl()).getEpochSecond();
        String salt = HexFormat.of().formatHex(random) + "?expires=" + expires + "&";
        int number = RANDOM.nextInt(config.challengeMaxNumber() + 1);
        String challenge = Signing.sha256(salt + number);
        return new Challenge("SHA-256", challenge, config.challengeMaxNumber(), salt, signing.hmacHex(PURPOSE, challenge));
    }

    /**
     * Whether the base64 ALTCHA payload solves a challenge this server issued, not yet expired
     * and not redeemed before. A valid payload is redeemed by this call (in the caller's transaction).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean redeem(String payload) {
        if (payload == null || payload.isBlank() || payload.length() > 2000) {
            return false;
        }
        JsonNode solution;
        try {
            solution = json.readTree(Base64.getDecoder().decode(payload.strip()));
        } catch (IllegalArgumentException | java.io.IOException e) {
            return false;
        }
        String algorithm = solution.path("algorithm").asText("");
        String challenge = solution.path("challenge").asText("");
        String salt = solution.path("salt").asText("");
        String signature = solution.path("signature").asText("");
        JsonNode number = solution.path("number");
        if (!"SHA-256".equals(algorithm) || !number.canConvertToLong() || challenge.isEmpty()) {
            return false;
        }
        boolean signed = MessageDigest.isEqual(signing.hmacHex(PURPOSE, challenge).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
        if (!signed || !Signing.sha256(salt + number.asLong()).equals(challenge)) {
            return false;
        }
        Instant expires = expiryOf(salt);
        if (expires == null || !clock.instant().isBefore(expires)) {
            return false;
        }
        return useOnce(signature, expires);
    }

    /** Records a one-time proof as used (until it expires anyway); false when it was used before. */
    @Transactional(Transactional.TxType.MANDATORY)
    boolean useOnce(String key, Instant expires) {
        return sql.update("INSERT INTO used_challenge (signature, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", key, expires) == 1;
    }

    /** Forgets redeemed challenges that have expired anyway. */
    @Transactional
    public int purgeExpired() {
        return sql.update("DELETE FROM used_challenge WHERE expires_at < ?", clock.instant());
    }

    static Instant expiryOf(String salt) {
        int query = salt.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String pair : salt.substring(query + 1).split("&")) {
            if (pair.startsWith("expires=")) {
                try {
                    return Instant.ofEpochSecond(Long.parseLong(pair.substring(8)));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Solves a challenge the way a browser would; used by tests. */
    public static String solve(Challenge c) {
        for (int n = 0; n <= c.maxnumber(); n++) {
            if (Signing.sha256(c.salt() + n).equals(c.challenge())) {
                String payload = "{\"algorithm\":\"SHA-256\",\"challenge\":\"" + c.challenge() + "\",\"number\":" + n
                        + ",\"salt\":\"" + c.salt() + "\",\"signature\":\"" + c.signature() + "\"}";
                return Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8));
            }
        }
        throw new IllegalArgumentException("unsolvable challenge");
    }
}
