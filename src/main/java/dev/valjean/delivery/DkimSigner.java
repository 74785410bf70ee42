package dev.valjean.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * DKIM signing (RFC 6376): RSA-SHA256, relaxed/relaxed, over the headers receivers and RFC 8058
 * expect. Signs the encoded message before the transport dot-stuffs it, and prepends the
 * DKIM-Signature header. Thread-safe; each call uses its own digest and signature.
 */
public final class DkimSigner {

    public static final int MIN_KEY_BITS = 2048;
    /**
     * Signed by default: not Date and Message-ID, which relays such as Amazon SES rewrite (a
     * signature over them fails after the relay).
     */
    public static final List<String> SIGNED_HEADERS = List.of("From", "To", "Subject", "Reply-To", "List-Unsubscribe",
            "List-Unsubscribe-Post", "List-Id", "Feedback-ID", "MIME-Version", "Content-Type");
    /** Over-signed by default (named once more than they occur), so nobody can add a second one after signing. */
    public static final List<String> OVERSIGNED_HEADERS = List.of("From", "To", "Subject");

    private final PrivateKey key;
    private final String domain;
    private final String selector;
    private final List<String> signedHeaders;
    private final List<String> oversignedHeaders;

    public DkimSigner(PrivateKey key, String domain, String selector) {
        this(key, domain, selector, SIGNED_HEADERS, OVERSIGNED_HEADERS);
    }

    public DkimSigner(PrivateKey key, String domain, String selector, List<String> signedHeaders,
            List<String> oversignedHeaders) {
        this.key = key;
        this.domain = domain;
        this.selector = selector;
        this.signedHeaders = List.copyOf(signedHeaders);
        this.oversignedHeaders = List.copyOf(oversignedHeaders);
        if (signedHeaders.stream().noneMatch("From"::equalsIgnoreCase)) {
            throw new IllegalStateException("DKIM: valjean.dkim.signed-headers must include From (RFC 6376 5.4)");
        }
    }

    /** The signer the configuration asks for, or empty when no key file is set. Refuses incomplete settings and weak keys. */
    public static Optional<DkimSigner> of(DkimConfig config) {
        if (config.keyFile().filter(f -> !f.isBlank()).isEmpty()) {
            return Optional.empty();
        }
        String domain = config.domain().filter(d -> !d.isBlank()).orElse(null);
        String selector = config.selector().filter(s -> !s.isBlank()).orElse(null);
        if (domain == null || selector == null) {
            throw new IllegalStateException("DKIM: valjean.dkim.key-file is set, so valjean.dkim.domain "
                    + "(VALJEAN_DKIM_DOMAIN) and valjean.dkim.selector (VALJEAN_DKIM_SELECTOR) are required too");
        }
        return Optional.of(new DkimSigner(readKey(Path.of(config.keyFile().get().strip())), domain.strip(), selector.strip(),
                config.signedHeaders().orElse(SIGNED_HEADERS), config.oversignedHeaders().orElse(OVERSIGNED_HEADERS)));
    }

    /** Reads a PKCS#8 PEM RSA key of at least 2048 bits. */
    public static PrivateKey readKey(Path file) {
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
            PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
            int bits = ((RSAPrivateCrtKey) key).getModulus().bitLength();
            if (bits < MIN_KEY_BITS) {
                throw new IllegalStateException("DKIM: the key in " + file + " has " + bits + " bits; at least "
                        + MIN_KEY_BITS + " are required");
            }
            return key;
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalStateException("DKIM: " + file + " is not an RSA private key in PKCS#8 PEM form", e);
        }
    }

    /** Where the public key is published: {@code selector._domainkey.domain}. */
    public String dnsName() {
        return selector + "._domainkey." + domain;
    }

    /** The key's size in bits. */
    public int keyBits() {
        return ((java.security.interfaces.RSAKey) key).getModulus().bitLength();
    }

    /**
     * The TXT record to publish at {@link #dnsName()}, derived from the configured private key
     * (RFC 6376 3.6.1): {@code v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo, base64>}.
     */
    public String txtRecord() {
        if (!(key instanceof java.security.interfaces.RSAPrivateCrtKey crt)) {
            throw new IllegalStateException("DKIM: the key file holds no public exponent, so the public key cannot be derived from it");
        }
        try {
            java.security.PublicKey pub = java.security.KeyFactory.getInstance("RSA")
                    .generatePublic(new java.security.spec.RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return "v=DKIM1; k=rsa; p=" + java.util.Base64.getEncoder().encodeToString(pub.getEncoded());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("DKIM: cannot derive the public key", e);
        }
    }

    public String describe() {
        return "signing as " + selector + "._domainkey." + domain;
    }

    /** The message with a DKIM-Signature header in front. {@code message} has CRLF line ends and is not dot-stuffed. */
    public byte[] sign(byte[] message, Instant now) {
        int split = headerEnd(message);
        String head = new String(message, 0, split, StandardCharsets.UTF_8);
        List<String> fields = fields(head);
        List<String> names = new ArrayList<>();
        StringBuilder signed = new StringBuilder(1024);
        for (String wanted : signedHeaders) {
            String field = last(fields, wanted);
            if (field != null) {
                names.add(wanted);
                signed.append(canonicalHeader(field)).append("\r\n");
            }
        }
        for (String over : oversignedHeaders) {
            // One name more than instances: a header of that name added later breaks the signature (RFC 6376 8.15).
            names.add(over);
        }
        String bodyHash = Base64.getEncoder().encodeToString(sha256(canonicalBody(message, Math.min(message.length, split + 2))));
        String unsigned = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=" + selector + "; t="
                + now.getEpochSecond() + ";\r\n\th=" + String.join(":", names) + ";\r\n\tbh=" + bodyHash + ";\r\n\tb=";
        signed.append(canonicalHeader(unsigned));
        String b;
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update(signed.toString().getBytes(StandardCharsets.UTF_8));
            b = Base64.getEncoder().encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DKIM signing failed", e);
        }
        byte[] header = (unsigned + b + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[header.length + message.length];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(message, 0, out, header.length, message.length);
        return out;
    }

    /** Index just past the last header line's CRLF, where the blank line starts (the message length if there is none). */
    private static int headerEnd(byte[] m) {
        for (int i = 0; i + 3 < m.length; i++) {
            if (m[i] == '\r' && m[i + 1] == '\n' && m[i + 2] == '\r' && m[i + 3] == '\n') {
                return i + 2;
            }
        }
        return m.length;
    }

    /** Header fields with their folding, without the final CRLF. */
    static List<String> fields(String head) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = null;
        for (String line : head.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && current != null) {
                current.append("\r\n").append(line);
            } else {
                if (current != null) {
                    fields.add(current.toString());
                }
                current = new StringBuilder(line);
            }
        }
        if (current != null) {
            fields.add(current.toString());
        }
        return fields;
    }

    private static String last(List<String> fields, String name) {
        String found = null;
        for (String f : fields) {
            int colon = f.indexOf(':');
            if (colon > 0 && f.substring(0, colon).strip().equalsIgnoreCase(name)) {
                found = f;
            }
        }
        return found;
    }

    /** RFC 6376 3.4.2: lower-case name, unfolded value, whitespace runs as one space, none around the colon or at the end. */
    static String canonicalHeader(String field) {
        int colon = field.indexOf(':');
        String name = field.substring(0, colon).strip().toLowerCase(Locale.ROOT);
        String value = field.substring(colon + 1).replace("\r\n", "");
        return name + ":" + collapse(value).strip();
    }

    /** RFC 6376 3.4.4: whitespace runs as one space, none at line ends, no empty lines at the end. */
    static byte[] canonicalBody(byte[] m, int start) {
        StringBuilder out = new StringBuilder(m.length - start);
        String body = new String(m, start, m.length - start, StandardCharsets.UTF_8);
        int pendingEmpty = 0;
        int from = 0;
        while (from < body.length()) {
            int end = body.indexOf("\r\n", from);
            String line = end < 0 ? body.substring(from) : body.substring(from, end);
            from = end < 0 ? body.length() : end + 2;
            String canonical = stripTrailing(collapse(line));
            if (canonical.isEmpty()) {
                pendingEmpty++;
            } else {
                out.append("\r\n".repeat(pendingEmpty)).append(canonical).append("\r\n");
                pendingEmpty = 0;
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String collapse(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t') {
                space = true;
            } else {
                if (space) {
                    sb.append(' ');
                    space = false;
                }
                sb.append(c);
            }
        }
        if (space) {
            sb.append(' ');
        }
        return sb.toString();
    }

    private static String stripTrailing(String s) {
        return s.endsWith(" ") ? s.substring(0, s.length() - 1) : s;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
