package dev.valjean.support;

import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real SMTP servers in the test JVM, started before the application: GreenMail as the relay
 * every test delivers to, and a scripted server (see {@link #scripted}) for 4xx and 5xx
 * replies.
 */
public class SmtpServers implements QuarkusTestResourceLifecycleManager {

    public static GreenMail greenMail;
    /** The bounce mailbox the application reads over IMAP (GreenMail's IMAP server). */
    public static final String BOUNCE_MAILBOX = "bounces@bounces.valjean.test";
    public static ScriptedSmtpServer scripted;
    /** The CRM webhook endpoint that sales requests are posted to. */
    public static WebhookReceiver webhooks;

    /** Messages GreenMail received for one recipient address. */
    public static java.util.List<jakarta.mail.internet.MimeMessage> receivedBy(String address) throws Exception {
        java.util.List<jakarta.mail.internet.MimeMessage> found = new java.util.ArrayList<>();
        for (jakarta.mail.internet.MimeMessage m : greenMail.getReceivedMessages()) {
            // reports put straight into the bounce mailbox have no recipient headers
            jakarta.mail.Address[] recipients = m.getAllRecipients();
            for (jakarta.mail.Address to : recipients == null ? new jakarta.mail.Address[0] : recipients) {
                if (to.toString().contains(address)) {
                    found.add(m);
                    break;
                }
            }
        }
        return found;
    }

    @Override
    public Map<String, String> start() {
        try {
            greenMail = new GreenMail(new com.icegreen.greenmail.util.ServerSetup[] { ServerSetupTest.SMTP.dynamicPort(),
                    ServerSetupTest.IMAP.dynamicPort() });
            greenMail.start();
            greenMail.setUser(BOUNCE_MAILBOX, BOUNCE_MAILBOX, "bounce-secret");
            scripted = new ScriptedSmtpServer();
            webhooks = new WebhookReceiver();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the test SMTP servers", e);
        }
        Map<String, String> config = new java.util.HashMap<>();
        String[] pairs = {
                "valjean.smtp.port", String.valueOf(greenMail.getSmtp().getPort()),
                "valjean.bounces.mailbox.host", "127.0.0.1",
                "valjean.bounces.mailbox.port", String.valueOf(greenMail.getImap().getPort()),
                "valjean.bounces.mailbox.protocol", "imap",
                "valjean.bounces.mailbox.user", BOUNCE_MAILBOX,
                "valjean.bounces.mailbox.password", "bounce-secret",
                "valjean.sales.webhook-url", webhooks.url() };
        for (int i = 0; i < pairs.length; i += 2) {
            config.put(pairs[i], pairs[i + 1]);
        }
        return config;
    }

    /** A port with nothing listening, for the "down" relay. */
    public static int closedPort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void stop() {
        if (greenMail != null) {
            greenMail.stop();
        }
        try {
            if (scripted != null) {
                scripted.close();
            }
            if (webhooks != null) {
                webhooks.close();
            }
        } catch (Exception e) {
            // nothing left to do at shutdown
        }
    }
}
