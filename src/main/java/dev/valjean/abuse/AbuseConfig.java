package dev.valjean.abuse;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Anti-abuse settings of the public sign-up endpoints ({@code valjean.abuse.*}). */
@ConfigMapping(prefix = "valjean.abuse")
public interface AbuseConfig {

    /** Whether public sign-ups must carry a solved proof-of-work challenge (ALTCHA protocol). */
    @WithDefault("true")
    boolean challengeRequired();

    /** The largest number a challenge may hide; the client's expected work is half of it. */
    @WithDefault("50000")
    int challengeMaxNumber();

    /** How long a challenge may be redeemed after it was issued. */
    @WithDefault("10m")
    Duration challengeTtl();

    /** Public sign-up requests allowed per client IP and minute across all instances; 0 turns the limit off. */
    @WithDefault("10")
    int requestsPerIpPerMinute();

    /** How long a no-JavaScript form token from the hosted page stays usable, and how old it must at least be. */
    @WithDefault("1h")
    Duration formTokenTtl();

    @WithDefault("2s")
    Duration formTokenMinAge();

    /** Origins (scheme://host[:port]) whose pages may embed the sign-up form and call the API from a browser. */
    Optional<List<String>> embedOrigins();

    /** Optional third-party captcha on top of the self-hosted challenge. */
    Captcha captcha();

    interface Captcha {
        /** NONE, TURNSTILE or HCAPTCHA. */
        @WithDefault("NONE")
        CaptchaProvider provider();

        Optional<String> siteKey();

        Optional<String> secret();

        /** The provider's verification endpoint; defaults to the provider's public one. */
        Optional<String> verifyUrl();
    }

    enum CaptchaProvider {
        NONE, TURNSTILE, HCAPTCHA;

        public String defaultVerifyUrl() {
            return switch (this) {
                case TURNSTILE -> "https://challenges.cloudflare.com/turnstile/v0/siteverify";
                case HCAPTCHA -> "https://api.hcaptcha.com/siteverify";
                case NONE -> "";
            };
        }

        /** The form field the provider's widget fills in. */
        public String formField() {
            return switch (this) {
                case TURNSTILE -> "cf-turnstile-response";
                case HCAPTCHA -> "h-captcha-response";
                case NONE -> "";
            };
        }
    }
}
