package dev.valjean.support;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A small OpenID Connect provider for the single sign-on test: discovery, a key set, an
 * authorization endpoint that signs the configured user in at once, and a token endpoint that
 * answers with an RS256-signed ID token. It turns Valjean's single sign-on on for the test class
 * that uses it.
 */
public class FakeOidcProvider implements QuarkusTestResourceLifecycleManager {

    public static final String CLIENT_ID = "valjean-console";
    public static final String CLIENT_SECRET = "a-client-secret-of-at-least-32-characters";

    /** Who the provider signs in next: claims of the ID token beyond the standard ones. */
    public static volatile Map<String, Object> user = Map.of();

    private HttpServer server;
    private KeyPair keys;
    private String issuer;
    private final Map<String, String> nonces = new ConcurrentHashMap<>();

    @Override
    public Map<String, String> start() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            keys = generator.generateKeyPair();
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        issuer = "http://127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/.well-known/openid-configuration", x -> json(x, 200, "{\"issuer\":\"" + issuer + "\","
                + "\"authorization_endpoint\":\"" + issuer + "/authorize\",\"token_endpoint\":\"" + issuer + "/token\","
                + "\"jwks_uri\":\"" + issuer + "/jwks\",\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}"));
        server.createContext("/jwks", x -> {
            RSAPublicKey key = (RSAPublicKey) keys.getPublic();
            json(x, 200, "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\"" + b64(unsigned(key.getModulus()))
                    + "\",\"e\":\"" + b64(unsigned(key.getPublicExponent())) + "\"}]}");
        });
        server.createContext("/authorize", this::authorize);
        server.createContext("/token", this::token);
        server.start();
        return Map.of("quarkus.oidc.tenant-enabled", "true", "quarkus.oidc.auth-server-url", issuer, "quarkus.oidc.client-id", CLIENT_ID,
                "quarkus.oidc.credentials.secret", CLIENT_SECRET);
    }

    private void authorize(HttpExchange x) throws IOException {
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        String code = java.util.UUID.randomUUID().toString();
        nonces.put(code, q.getOrDefault("nonce", ""));
        String location = q.get("redirect_uri") + (q.get("redirect_uri").contains("?") ? "&" : "?") + "code=" + code + "&state="
                + java.net.URLEncoder.encode(q.getOrDefault("state", ""), StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Location", location);
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    private void token(HttpExchange x) throws IOException {
        Map<String, String> form = query(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        String nonce = nonces.remove(form.getOrDefault("code", ""));
        if (nonce == null) {
            json(x, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        long now = System.currentTimeMillis() / 1000;
        Map<String, Object> claims = new HashMap<>(user);
        claims.put("iss", issuer);
        claims.put("aud", CLIENT_ID);
        claims.put("sub", String.valueOf(user.getOrDefault("email", "someone")));
        claims.put("iat", now);
        claims.put("exp", now + 300);
        if (!nonce.isEmpty()) {
            claims.put("nonce", nonce);
        }
        String idToken = jwt(claims);
        json(x, 200, "{\"access_token\":\"opaque-" + java.util.UUID.randomUUID() + "\",\"token_type\":\"Bearer\",\"expires_in\":300,"
                + "\"id_token\":\"" + idToken + "\"}");
    }

    private String jwt(Map<String, Object> claims) {
        try {
            String header = b64("{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}".getBytes(StandardCharsets.UTF_8));
            String body = b64(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(claims));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(keys.getPrivate());
            signature.update((header + "." + body).getBytes(StandardCharsets.US_ASCII));
            return header + "." + body + "." + b64(signature.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void json(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
