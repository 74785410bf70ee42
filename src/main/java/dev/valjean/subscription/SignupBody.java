package dev.valjean.subscription;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The sign-up's body is read on the event loop, as it arrives, before the request goes to a
 * worker thread. Quarkus REST reads the body of a blocking endpoint from the worker thread
 * instead: the worker asks the event loop for the bytes and sleeps until they are handed over,
 * two more thread hand-offs for every sign-up, 4.5 % of the server's CPU under a burst of
 * sign-ups on two cores (docs/BENCHMARKS.md, thirty-fourth session). With the body read here,
 * Quarkus REST parses it from memory (it takes a body the route already holds). A body that
 * arrives slowly now waits on the event loop, which waits for many at no cost, rather than on one
 * of the workers. The limit is the server's own ({@code quarkus.http.limits.max-body-size}).
 * HTTP/1.x only: see {@link #route}.
 */
@ApplicationScoped
public class SignupBody {

    static final String PATH = "/api/v1/subscriptions";

    private final long limit;

    public SignupBody(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    void route(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(limit);
        router.post(PATH).order(Integer.MIN_VALUE).handler(ctx -> {
            if (ctx.request().version() == HttpVersion.HTTP_2) {
                // Quarkus REST pauses the request when it starts, and an HTTP/2 request read to its end refuses
                // a pause (a 500): over HTTP/2 the body is left to Quarkus REST as before.
                ctx.next();
            } else {
                body.handle(ctx);
            }
        });
    }
}
