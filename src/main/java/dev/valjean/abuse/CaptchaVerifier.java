package dev.valjean.abuse;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.logging.Log;

/**
 * Optional Turnstile or hCaptcha check (both share the siteverify form protocol). Off by default:
 * Valjean needs no third party. When the provider cannot be reached the request is refused, so a
 * provider outage never lets unverified sign-ups through.
 */
@ApplicationScoped
public class CaptchaVerifier {

    private final AbuseConfig.CaptchaProvider provider;
    private final String secret;
    private final String siteKey;
    private final URI verifyUrl;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @jakarta.inject.Inject
    public CaptchaVerifier(AbuseConfig config, ObjectMapper json) {
        this(config.captcha().provider(), config.captcha().secret().orElse(""), config.captcha().siteKey().orElse(""),
                config.captcha().verifyUrl().orElse(config.captcha().provider().defaultVerifyUrl()), json);
    }

    CaptchaVerifier(AbuseConfig.CaptchaProvider provider, String secret, String siteKey, String verifyUrl, ObjectMapper json) {
        this.provider = provider;
        this.secret = secret;
        this.siteKey = siteKey;
        this.verifyUrl = provider == AbuseConfig.CaptchaProvider.NONE ? null : URI.create(verifyUrl);
        this.json = json;
    }

    public boolean enabled() {
        return provider != AbuseConfig.CaptchaProvider.NONE;
    }

    public AbuseConfig.CaptchaProvider provider() {
        return provider;
    }

    public String siteKey() {
        return siteKey;
    }

    /** Whether the provider accepts {@code response} from {@code ip}. */
    public boolean verify(String response, String ip) {
        if (!enabled()) {
            return true;
        }
        if (response == null || response.isBlank() || response.length() > 4096) {
            return false;
        }
        String form = "secret=" + enc(secret) + "&response=" + enc(response) + "&remoteip=" + enc(ip);
        HttpRequest request = HttpRequest.newBuilder(verifyUrl)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        try {
            HttpResponse<String> answer = http.send(request, HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 && json.readTree(answer.body()).path("success").asBoolean(false);
        } catch (IOException e) {
            Log.warnf("Captcha provider unreachable: %s", e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }
}
