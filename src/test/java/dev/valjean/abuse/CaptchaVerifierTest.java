package dev.valjean.abuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/** The optional captcha check against a local HTTP server that speaks the siteverify protocol. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class CaptchaVerifierTest {

    HttpServer provider;
    final List<String> forms = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        provider = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        provider.createContext("/siteverify", exchange -> {
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            forms.add(form);
            byte[] answer = (form.contains("response=good-token") ? "{\"success\":true}" : "{\"success\":false}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        provider.start();
    }

    @AfterEach
    void stop() {
        provider.stop(0);
    }

    CaptchaVerifier verifier(AbuseConfig.CaptchaProvider kind, String url) {
        return new CaptchaVerifier(kind, "shh-secret", "site-key", url, new ObjectMapper());
    }

    @Test
    void the_provider_decides_and_gets_the_secret_the_token_and_the_visitor_ip() {
        CaptchaVerifier turnstile = verifier(AbuseConfig.CaptchaProvider.TURNSTILE,
                "http://127.0.0.1:" + provider.getAddress().getPort() + "/siteverify");
        assertTrue(turnstile.verify("good-token", "203.0.113.5"));
        assertFalse(turnstile.verify("bad-token", "203.0.113.5"));
        assertFalse(turnstile.verify(null, "203.0.113.5"), "no token, no call, no pass");
        assertEquals(2, forms.size());
        assertTrue(forms.get(0).contains("secret=shh-secret") && forms.get(0).contains("remoteip=203.0.113.5"), forms.get(0));
    }

    @Test
    void an_unreachable_provider_refuses_rather_than_lets_through() throws IOException {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertFalse(verifier(AbuseConfig.CaptchaProvider.HCAPTCHA, "http://127.0.0.1:" + port + "/siteverify")
                .verify("good-token", "203.0.113.5"));
    }

    @Test
    void with_no_provider_configured_nothing_is_checked() {
        CaptchaVerifier none = verifier(AbuseConfig.CaptchaProvider.NONE, "");
        assertFalse(none.enabled());
        assertTrue(none.verify(null, "203.0.113.5"));
        assertTrue(forms.isEmpty());
    }
}
