package dev.valjean.abuse;

import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.common.Signing;
import dev.valjean.common.ValjeanException;
import io.quarkus.logging.Log;

/**
 * The anti-abuse checks a public sign-up passes before anything is stored: per-IP limit,
 * proof-of-work (or, on the hosted page without JavaScript, a single-use time-trapped form
 * token), and the optional captcha. Authenticated server-to-server callers skip them.
 */
@ApplicationScoped
public class AbuseGuard {

    /** What a sign-up brought to prove it is not a bot. */
    public record Proof(String ip, String altcha, String formToken, String captcha) {
    }

    private static final String FORM_PURPOSE = "form-token";

    private final AbuseConfig config;
    private final RequestLimiter limiter;
    private final ChallengeService challenges;
    private final CaptchaVerifier captcha;
    private final Signing signing;
    private final Clock clock;

    public AbuseGuard(AbuseConfig config, RequestLimiter limiter, ChallengeService challenges, CaptchaVerifier captcha,
            Signing signing, Clock clock) {
        this.config = config;
        this.limiter = limiter;
        this.challenges = challenges;
        this.captcha = captcha;
        this.signing = signing;
        this.clock = clock;
    }

    /**
     * The first checks of every public submission: counts it against its IP's allowance (429 over
     * it; authenticated callers are not counted), then the honeypot. False means "a bot filled the
     * honeypot": answer as if accepted and store nothing.
     */
    public boolean screen(String ip, String honeypot, boolean authenticated) {
        if (!authenticated) {
            limiter.admit(ip);
        }
        if (honeypot != null && !honeypot.isEmpty()) {
            Log.info("Submission with the honeypot filled: answered as accepted, nothing stored");
            return false;
        }
        return true;
    }

    /**
     * Checks the proof; {@code allowFormToken} is true only for the hosted page's own form.
     * Throws 422 CHALLENGE_FAILED (or CAPTCHA_FAILED) when it does not hold.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void check(Proof proof, boolean allowFormToken) {
        if (config.challengeRequired()) {
            boolean solved = proof.altcha() != null && !proof.altcha().isBlank() ? challenges.redeem(proof.altcha())
                    : allowFormToken && redeemFormToken(proof.formToken());
            if (!solved) {
                throw ValjeanException.invalid("CHALLENGE_FAILED",
                        "The anti-abuse challenge is missing, expired, already used or not solved. Fetch a new one from /api/v1/challenge.");
            }
        }
        if (captcha.enabled() && !captcha.verify(proof.captcha(), proof.ip())) {
            throw ValjeanException.invalid("CAPTCHA_FAILED", "The captcha was not solved.");
        }
    }

    /** A token for the hosted form, good once, from {@code formTokenMinAge} to {@code formTokenTtl} after now. */
    public String newFormToken() {
        String body = clock.instant().getEpochSecond() + "." + Signing.randomToken(12);
        return body + "." + signing.sign(FORM_PURPOSE, body);
    }

    private boolean redeemFormToken(String token) {
        if (token == null || token.length() > 200) {
            return false;
        }
        int lastDot = token.lastIndexOf('.');
        int firstDot = token.indexOf('.');
        if (firstDot <= 0 || lastDot <= firstDot || !signing.verify(FORM_PURPOSE, token.substring(0, lastDot), token.substring(lastDot + 1))) {
            return false;
        }
        Instant issued;
        try {
            issued = Instant.ofEpochSecond(Long.parseLong(token.substring(0, firstDot)));
        } catch (NumberFormatException e) {
            return false;
        }
        Instant now = clock.instant();
        Instant expires = issued.plus(config.formTokenTtl());
        if (now.isBefore(issued.plus(config.formTokenMinAge())) || !now.isBefore(expires)) {
            return false;
        }
        return challenges.useOnce("form:" + token.substring(lastDot + 1), expires);
    }
}
