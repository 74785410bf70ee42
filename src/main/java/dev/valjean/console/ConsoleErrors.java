package dev.valjean.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.valjean.auth.ConsoleAccess;

/** Console requests that cannot go on get a page: the sign-in page, or a 403 page that says why in words. */
public class ConsoleErrors {

    @Inject
    Frames frames;

    @ServerExceptionMapper
    public Response access(ConsoleAccess e) {
        return switch (e.kind) {
            case SIGN_IN -> Response.seeOther(java.net.URI.create("/console/sign-in?then=" + URLEncoder.encode(e.path, StandardCharsets.UTF_8)))
                    .build();
            case FORBIDDEN -> page(403, "Not for your role", e.getMessage()
                    + " Ask an admin if you need it.");
            case CSRF -> page(403, "This form has expired", "Valjean refused this request because the form was not sent from a "
                    + "Valjean page that is still open. Go back, reload the page, and try again.");
            case NOT_FOUND -> page(404, "Not found", e.getMessage() + " It does not exist, or it is gone (erased or deleted).");
        };
    }

    private Response page(int status, String title, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(ConsolePages.Templates.problem(frames.of(title, ""), title, message).render()).build();
    }
}
