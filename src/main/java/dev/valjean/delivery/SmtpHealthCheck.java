package dev.valjean.delivery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLSocketFactory;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the mail relay: it accepts a connection and greets with 220 within two seconds.
 * In log-only mode (dev) there is no relay to check and the check says so.
 */
@Readiness
@ApplicationScoped
public class SmtpHealthCheck implements HealthCheck {

    private static final int TIMEOUT_MILLIS = 2000;

    private final String host;
    private final int port;
    private final boolean implicitTls;
    private final boolean logOnly;
    private final String dkim;

    public SmtpHealthCheck(SmtpConfig smtp, DkimConfig dkim) {
        this.host = smtp.host();
        this.port = smtp.port();
        this.implicitTls = smtp.effectiveTls() == SmtpConfig.Tls.IMPLICIT;
        this.logOnly = smtp.logOnly();
        this.dkim = dkim.keyFile().isPresent()
                ? "signing as " + dkim.selector().orElse("?") + "._domainkey." + dkim.domain().orElse("?")
                : "off";
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("SMTP relay").withData("relay", host + ":" + port)
                .withData("dkim", dkim);
        if (logOnly) {
            return response.up().withData("mode", "log-only: mail is logged and kept in the outbox").build();
        }
        try (Socket socket = implicitTls ? SSLSocketFactory.getDefault().createSocket() : new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            var reader = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String greeting = reader.readLine();
            OutputStream out = socket.getOutputStream();
            out.write("QUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            if (greeting != null && greeting.startsWith("220")) {
                return response.up().build();
            }
            return response.down().withData("greeting", String.valueOf(greeting)).build();
        } catch (Exception e) {
            return response.down().withData("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }
}
