package dev.valjean.delivery;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Turns Valjean's DKIM settings ({@code valjean.dkim.key-file}, {@code .domain}, {@code .selector})
 * into the mailer's signing configuration: RSA-SHA256, relaxed/relaxed, signing the headers that
 * receivers and RFC 8058 expect. The key file is a PKCS#8 PEM ("BEGIN PRIVATE KEY"); keys under
 * 2048 bits are refused and the server does not start.
 */
public class DkimConfigSourceFactory implements ConfigSourceFactory {

    public static final int MIN_KEY_BITS = 2048;
    static final String SIGNED_HEADERS = "From,To,Subject,Date,Message-ID,Reply-To,List-Unsubscribe,"
            + "List-Unsubscribe-Post,List-Id,MIME-Version,Content-Type";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        String keyFile = value(context, "valjean.dkim.key-file");
        if (keyFile == null) {
            return List.of();
        }
        String domain = value(context, "valjean.dkim.domain");
        String selector = value(context, "valjean.dkim.selector");
        if (domain == null || selector == null) {
            throw new IllegalStateException("DKIM: valjean.dkim.key-file is set, so valjean.dkim.domain "
                    + "(VALJEAN_DKIM_DOMAIN) and valjean.dkim.selector (VALJEAN_DKIM_SELECTOR) are required too");
        }
        String pkcs8 = readKey(Path.of(keyFile));
        return List.of(new PropertiesConfigSource(Map.of(
                "quarkus.mailer.dkim.enabled", "true",
                "quarkus.mailer.dkim.private-key", pkcs8,
                "quarkus.mailer.dkim.sdid", domain,
                "quarkus.mailer.dkim.selector", selector,
                "quarkus.mailer.dkim.header-canon-algo", "RELAXED",
                "quarkus.mailer.dkim.body-canon-algo", "RELAXED",
                "quarkus.mailer.dkim.signed-headers", SIGNED_HEADERS), "valjean-dkim", 290));
    }

    /** Reads a PKCS#8 PEM key, checks it is RSA of at least 2048 bits, and returns its base64 body. */
    public static String readKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("DKIM: cannot read the key file " + file + " (valjean.dkim.key-file)", e);
        }
        if (pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalStateException("DKIM: " + file + " is a PKCS#1 key; convert it with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in old.pem -out new.pem'");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            var key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            int bits = ((RSAPrivateCrtKey) key).getModulus().bitLength();
            if (bits < MIN_KEY_BITS) {
                throw new IllegalStateException("DKIM: the key in " + file + " has " + bits + " bits; at least "
                        + MIN_KEY_BITS + " are required");
            }
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalStateException("DKIM: " + file + " is not an RSA private key in PKCS#8 PEM form", e);
        }
        return base64;
    }

    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null || value.getValue().isBlank() ? null : value.getValue().strip();
    }
}
