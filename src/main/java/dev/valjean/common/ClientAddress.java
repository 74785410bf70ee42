package dev.valjean.common;

import io.vertx.core.http.HttpServerRequest;

/** The visitor's IP (behind a trusted proxy, the forwarded one: see quarkus.http.proxy.*). */
public final class ClientAddress {

    private ClientAddress() {
    }

    public static String of(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
