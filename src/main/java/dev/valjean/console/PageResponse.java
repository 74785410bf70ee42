package dev.valjean.console;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.quarkus.qute.TemplateInstance;

/** A console page with a status other than 200 (a form shown again with its errors, an expired link). */
public final class PageResponse {

    private PageResponse() {
    }

    public static Response of(int status, TemplateInstance page) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(page.render()).build();
    }
}
