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
 * The body of a one-click unsubscribe is read on the event loop, as it arrives, before the request
 * goes to a worker thread. Quarkus REST reads the body of a blocking endpoint from the worker thread
 * instead: the worker asks the event loop for the bytes and sleeps until they are handed over, two
 * more thread hand-offs for every request, a fifth of a one-click worker's CPU (docs/BENCHMARKS.md,
 * thirty-seventh session: a form's body is read for the form parameters a method could have, though
 * this one has none). With the body read here, Quarkus REST parses it from memory (it takes a body
 * the route already holds). A body that arrives slowly now waits on the event loop, which waits for
 * many at no cost, rather than on one of the workers. The limit is the server's own
 * ({@code quarkus.http.limits.max-body-size}). HTTP/1.x only: see {@link #read}.
 * <p>
 * The sign-up's endpoint runs on the event loop itself (DECISIONS 37), so Quarkus REST reads its body
 * there; it was read here too until then (thirty-fourth session), but Quarkus REST does not take a
 * held body of 16 KB or more whole for a method on the event loop (it answered such a body 400). Here
 * it only has its declared length checked against {@link #SIGNUP_LIMIT}.
 */
@ApplicationScoped
public class EarlyBody {

    static final String SIGNUP = "/api/v1/subscriptions";
    static final String ONE_CLICK = "/unsubscribe/:token";

    private final long limit;

    public EarlyBody(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    /**
     * The most a sign-up's body may declare: its fields fit in a few kilobytes (an address, a name,
     * ten slugs, a page, a proof or a captcha's token). It is parsed on the event loop (DECISIONS 37),
     * so a body of the server's whole limit would hold the loop, and every request on it, while it is
     * parsed. A longer declared length is refused at once, before any of the body is read; a chunked
     * body has the server's limit.
     */
    static final long SIGNUP_LIMIT = 64 * 1024;

    void route(@Observes Router router) {
        // The sign-up's body is read by Quarkus REST itself, on the event loop, as its method runs there.
        router.post(SIGNUP).order(Integer.MIN_VALUE).handler(EarlyBody::declaredLength);
        BodyHandler body = BodyHandler.create(false).setBodyLimit(limit);
        router.post(ONE_CLICK).order(Integer.MIN_VALUE).handler(ctx -> read(body, ctx)).failureHandler(EarlyBody::undecodable);
    }

    private static void declaredLength(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long declared;
        try {
            declared = length == null ? 0 : Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            declared = 0; // the server's own parsing answers it
        }
        if (declared <= SIGNUP_LIMIT) {
            ctx.next();
            return;
        }
        ctx.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close").end(TOO_LARGE);
    }

    private static final String TOO_LARGE = "{\"type\":\"https://valjean.dev/problems/payload-too-large\",\"title\":\"Request body too large\","
            + "\"status\":413,\"detail\":\"A sign-up's body is at most 64 KB.\",\"code\":\"PAYLOAD_TOO_LARGE\"}";

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
