package dev.valjean.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;

/** A real HTTP server standing in for a CRM's webhook endpoint; it can be told to fail. */
public class WebhookReceiver implements AutoCloseable {

    /** One request as received. */
    public record Received(String signature, String event, String body, String eventId, int status) {
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    /** How many of the next requests to answer with 503. */
    public final AtomicInteger failNext = new AtomicInteger();
    private final HttpServer server;

    public WebhookReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/crm/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 204;
            received.add(new Received(exchange.getRequestHeaders().getFirst("X-Valjean-Signature"),
                    exchange.getRequestHeaders().getFirst("X-Valjean-Event"), body, exchange.getRequestHeaders().getFirst("X-Valjean-Event-Id"),
                    status));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/crm/hook";
    }

    public void reset() {
        received.clear();
        failNext.set(0);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
