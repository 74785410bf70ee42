package dev.valjean.subscription;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.valjean.common.Problem;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The bodies of a sign-up and of a one-click unsubscribe are read on the event loop, as they
 * arrive, before the request goes to a worker thread. Quarkus REST reads the body of a blocking
 * endpoint from the worker thread instead: the worker asks the event loop for the bytes and sleeps
 * until they are handed over, two more thread hand-offs for every sign-up, 4.5 % of the server's
 * CPU under a burst of sign-ups on two cores (docs/BENCHMARKS.md, thirty-fourth session), and a
 * fifth of a one-click worker's (thirty-seventh session: a form's body is read for the form
 * parameters a method could have, though this one has none). With the body read here, Quarkus
 * REST parses it from memory (it takes a body the route already holds). A body that arrives
 * slowly now waits on the event loop, which waits for many at no cost, rather than on one of the
 * workers. The limit is the server's own ({@code quarkus.http.limits.max-body-size}). HTTP/1.x
 * only: see {@link #route}. (The sign-up endpoint now runs on the event loop itself, DECISIONS 37,
 * so Quarkus REST would read its body there too; read here, it is read the same way for both.)
 */
@ApplicationScoped
public class EarlyBody {

    static final String SIGNUP = "/api/v1/subscriptions";
    static final String ONE_CLICK = "/unsubscribe/:token";

    private final long limit;

    public EarlyBody(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    void route(@Observes Router router) {
        BodyHandler body = BodyHandler.create(false).setBodyLimit(limit);
        for (String path : new String[] { SIGNUP, ONE_CLICK }) {
            router.post(path).order(Integer.MIN_VALUE).handler(ctx -> read(body, ctx)).failureHandler(EarlyBody::undecodable);
        }
    }

    /**
     * A form body Vert.x could not decode ({@code name=%}): a 400 problem, as Quarkus REST answers a
     * form it cannot read, rather than the default failure page, which names the decoder's exception.
     * Every other failure goes on to the handlers that had it before.
     */
    private static void undecodable(RoutingContext ctx) {
        if (ctx.statusCode() != 400 || ctx.failure() == null || !ctx.failure().getClass().getName().startsWith("io.netty.")
                || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        ctx.response().setStatusCode(400).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(UNDECODABLE);
    }

    private static final String UNDECODABLE = "{\"type\":\"https://valjean.dev/problems/bad-request\",\"title\":\"Malformed request body\","
            + "\"status\":400,\"detail\":\"The form body could not be decoded.\",\"code\":\"BAD_REQUEST\"}";

    private static void read(BodyHandler body, RoutingContext ctx) {
        if (ctx.request().version() == HttpVersion.HTTP_2) {
            // Quarkus REST pauses the request when it starts, and an HTTP/2 request read to its end refuses
            // a pause (a 500): over HTTP/2 the body is left to Quarkus REST as before.
            ctx.next();
        } else if (!hasBody(ctx.request())) {
            // Nothing to read (the unsubscribe page's button may post none); read here, Quarkus REST would
            // find no body held and wait for one that never comes.
            ctx.next();
        } else {
            body.handle(ctx);
        }
    }

    /** Whether an HTTP/1.x request has a body: a length above zero, or chunks. */
    private static boolean hasBody(HttpServerRequest request) {
        String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
        if (encoding != null) {
            return true;
        }
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return length != null && !length.strip().equals("0");
    }
}
