package dev.valjean.support;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Keys the tests make for the sending providers' webhooks: an EC key pair whose public half is
 * configured as SendGrid's verification key, and an RSA key with a self-signed certificate that
 * stands for SNS's signing certificate. Mailgun's key and Postmark's credentials are plain settings.
 */
public class ProviderKeys implements QuarkusTestResourceLifecycleManager {

    public static KeyPair sendgrid;
    public static KeyPair sns;
    public static X509Certificate snsCertificate;
    public static final String MAILGUN_KEY = "test-mailgun-signing-key";
    public static final String POSTMARK_USER = "postmark";
    public static final String POSTMARK_PASSWORD = "postmark-test-password";

    @Override
    public Map<String, String> start() {
        try {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"));
            sendgrid = ec.generateKeyPair();
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            sns = rsa.generateKeyPair();
            X500Name name = new X500Name("CN=sns.amazonaws.com");
            long now = System.currentTimeMillis();
            snsCertificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now),
                    new Date(now - 86_400_000L), new Date(now + 30L * 86_400_000L), name, sns.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(sns.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Map.of("valjean.bounces.sendgrid-public-key", Base64.getEncoder().encodeToString(sendgrid.getPublic().getEncoded()),
                "valjean.bounces.mailgun-signing-key", MAILGUN_KEY,
                "valjean.bounces.postmark-user", POSTMARK_USER,
                "valjean.bounces.postmark-password", POSTMARK_PASSWORD,
                "valjean.bounces.ses.enabled", "true");
    }

    @Override
    public void stop() {
        // nothing to stop
    }
}
