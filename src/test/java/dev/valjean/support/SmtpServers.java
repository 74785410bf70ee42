package dev.valjean.support;

import java.util.Map;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real SMTP servers in the test JVM, started before the application: GreenMail as the relay
 * every test delivers to, and a scripted server behind the "faulty" named mailer for 4xx and 5xx
 * replies.
 */
public class SmtpServers implements QuarkusTestResourceLifecycleManager {

    public static GreenMail greenMail;
    public static ScriptedSmtpServer scripted;

    @Override
    public Map<String, String> start() {
        try {
            greenMail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
            greenMail.start();
            scripted = new ScriptedSmtpServer();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the test SMTP servers", e);
        }
        return Map.of(
                "quarkus.mailer.port", String.valueOf(greenMail.getSmtp().getPort()),
                "quarkus.mailer.faulty.host", "127.0.0.1",
                "quarkus.mailer.faulty.port", String.valueOf(scripted.port()),
                "quarkus.mailer.faulty.mock", "false",
                "quarkus.mailer.faulty.from", "Valjean Test <sender@valjean.test>",
                "quarkus.mailer.faulty.start-tls", "DISABLED");
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
        } catch (Exception e) {
            // nothing left to do at shutdown
        }
    }
}
