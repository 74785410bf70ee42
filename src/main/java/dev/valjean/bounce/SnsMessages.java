package dev.valjean.bounce;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Amazon SNS message signatures (versions 1 and 2): the canonical string AWS documents, checked
 * against the signing certificate, whose URL must be an SNS host on https; certificates are
 * kept once fetched and valid. Also the one call SNS asks of a new subscriber: visiting its
 * SubscribeURL, again only on an SNS host.
 */
@ApplicationScoped
public class SnsMessages {

    static final Pattern SNS_HOST = Pattern.compile("^sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?$");

    /** Fetches what SNS points at; replaced in tests, which have no network. */
    public interface Web {
        byte[] get(URI uri) throws java.io.IOException, InterruptedException;
    }

    private final Map<String, X509Certificate> certificates = new ConcurrentHashMap<>();
    private final Web web;

    public SnsMessages(jakarta.enterprise.inject.Instance<Web> web) {
        this.web = web.isResolvable() ? web.get() : SnsMessages::fetch;
    }

    private static byte[] fetch(URI uri) throws java.io.IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new java.io.IOException(uri.getHost() + " answered " + r.statusCode());
        }
        return r.body();
    }

    /** Whether a URL is https on an SNS host (the only place a signing certificate or a subscription may come from). */
    static boolean snsUrl(String url) {
        try {
            URI u = new URI(url);
            return "https".equals(u.getScheme()) && u.getHost() != null && SNS_HOST.matcher(u.getHost()).matches() && u.getUserInfo() == null
                    && (u.getPort() == -1 || u.getPort() == 443);
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** Whether the message's signature holds; false for a bad URL, an unknown version or a wrong signature. */
    public boolean verify(JsonNode m) {
        String version = m.path("SignatureVersion").asText("");
        String algorithm = switch (version) {
            case "1" -> "SHA1withRSA";
            case "2" -> "SHA256withRSA";
            default -> null;
        };
        String certUrl = m.path("SigningCertURL").asText(m.path("SigningCertUrl").asText(""));
        if (algorithm == null || !snsUrl(certUrl) || !certUrl.endsWith(".pem")) {
            return false;
        }
        try {
            X509Certificate cert = certificate(certUrl);
            Signature s = Signature.getInstance(algorithm);
            s.initVerify(cert.getPublicKey());
            s.update(canonical(m).getBytes(StandardCharsets.UTF_8));
            return s.verify(Base64.getDecoder().decode(m.path("Signature").asText("")));
        } catch (GeneralSecurityException | IllegalArgumentException | java.io.IOException e) {
            io.quarkus.logging.Log.infof("SNS message not verified: %s", e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The string SNS signs: named fields in this order, each as "Name\nvalue\n", Subject only when present. */
    static String canonical(JsonNode m) {
        String type = m.path("Type").asText("");
        List<String> fields = type.equals("Notification") ? List.of("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
                : List.of("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type");
        StringBuilder b = new StringBuilder();
        for (String f : fields) {
            JsonNode v = m.get(f);
            if (v == null || v.isNull()) {
                continue;
            }
            b.append(f).append('\n').append(v.asText()).append('\n');
        }
        return b.toString();
    }

    private X509Certificate certificate(String url) throws java.io.IOException, InterruptedException, GeneralSecurityException {
        X509Certificate known = certificates.get(url);
        if (known != null) {
            known.checkValidity();
            return known;
        }
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(web.get(URI.create(url))));
        cert.checkValidity();
        certificates.put(url, cert);
        return cert;
    }

    /** Confirms a subscription by visiting its SubscribeURL; false when the URL is not an SNS one or the visit failed. */
    public boolean confirm(String subscribeUrl) {
        if (!snsUrl(subscribeUrl)) {
            return false;
        }
        try {
            web.get(URI.create(subscribeUrl));
            return true;
        } catch (java.io.IOException | IllegalArgumentException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
