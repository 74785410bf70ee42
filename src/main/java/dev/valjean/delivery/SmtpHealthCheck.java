package dev.valjean.delivery;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.quarkus.runtime.LaunchMode;

/**
 * Readiness of the mail relay: it accepts a connection and greets with 220 within two seconds.
 * In mock mode (dev) there is no relay to check and the check says so.
 */
@Readiness
@ApplicationScoped
public class SmtpHealthCheck implements HealthCheck {

    private static final int TIMEOUT_MILLIS = 2000;

    private final String host;
    private final int port;
    private final boolean mock;
    private final String dkim;

    public SmtpHealthCheck(@ConfigProperty(name = "quarkus.mailer.host") String host,
            @ConfigProperty(name = "quarkus.mailer.port") Optional<Integer> port,
            @ConfigProperty(name = "quarkus.mailer.mock") Optional<Boolean> mock,
            @ConfigProperty(name = "quarkus.mailer.ssl", defaultValue = "false") boolean ssl, DkimConfig dkim) {
        this.host = host;
        this.port = port.orElse(ssl ? 465 : 25);
        this.mock = mock.orElse(LaunchMode.current().isDevOrTest());
        this.dkim = dkim.keyFile().isPresent()
                ? "signing as " + dkim.selector().orElse("?") + "._domainkey." + dkim.domain().orElse("?")
                : "off";
    }

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("SMTP relay").withData("relay", host + ":" + port)
                .withData("dkim", dkim);
        if (mock) {
            return response.up().withData("mode", "mock: mail is logged and kept in the outbox").build();
        }
        try (Socket socket = new Socket()) {
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
