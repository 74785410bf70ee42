package dev.valjean.delivery;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Signing;

/**
 * Variable envelope return paths: {@code bounces+<row>.<signature>@<domain>}, the outbox row in
 * base 36 and 40 bits of its HMAC in lower-case hex (some servers change the case of a local
 * part), so a bounce names the message it is about and a forged one names none.
 */
@ApplicationScoped
public class Verp {

    static final String PURPOSE = "verp";
    private static final Pattern ADDRESS = Pattern.compile("(?i)^<?bounces\\+([0-9a-z]{1,13})\\.([0-9a-f]{10})@([^>\\s]+)>?$");

    private final Signing signing;
    private final Optional<String> domain;

    public Verp(Signing signing, BounceConfig config) {
        this.signing = signing;
        this.domain = config.returnPathDomain().map(String::strip).filter(d -> !d.isEmpty()).map(d -> d.toLowerCase(Locale.ROOT));
    }

    /** The envelope sender for an outbox row, or empty when no return-path domain is set. */
    public Optional<String> envelopeFor(long outboxId) {
        return domain.map(d -> "bounces+" + token(outboxId) + "@" + d);
    }

    /** The outbox row a bounce address names, when it is one of ours and its signature holds. */
    public Optional<Long> outboxOf(String address) {
        if (address == null || domain.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = ADDRESS.matcher(address.strip());
        if (!m.matches() || !m.group(3).equalsIgnoreCase(domain.get())) {
            return Optional.empty();
        }
        long id;
        try {
            id = Long.parseLong(m.group(1).toLowerCase(Locale.ROOT), 36);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return id > 0 && java.security.MessageDigest.isEqual(signature(id).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                m.group(2).toLowerCase(Locale.ROOT).getBytes(java.nio.charset.StandardCharsets.US_ASCII)) ? Optional.of(id) : Optional.empty();
    }

    String token(long outboxId) {
        return Long.toString(outboxId, 36) + "." + signature(outboxId);
    }

    private String signature(long outboxId) {
        return signing.hmacHex(PURPOSE, Long.toString(outboxId)).substring(0, 10);
    }
}
