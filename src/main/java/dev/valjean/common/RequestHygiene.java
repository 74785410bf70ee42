package dev.valjean.common;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.MultivaluedMap;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every request's path and query are checked before any resource sees them: a control character
 * (a NUL, which PostgreSQL refuses, a line break, an escape) is answered 400 and reaches nothing.
 */
public class RequestHygiene {

    @ServerRequestFilter(preMatching = true)
    public void check(ContainerRequestContext request) {
        if (StrictJson.forbidden(request.getUriInfo().getPath(true), false) >= 0) {
            throw invalid("The address holds a character that is not allowed.");
        }
        checkAll(request.getUriInfo().getQueryParameters(true), "query parameter");
    }

    /** Form-encoded bodies: every value one line and free of control characters, or 400 naming the field. */
    public static void checkForm(MultivaluedMap<String, String> form) {
        checkAll(form, "form field");
    }

    private static void checkAll(MultivaluedMap<String, String> values, String what) {
        if (values == null) {
            return;
        }
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            if (StrictJson.forbidden(e.getKey(), false) >= 0) {
                throw invalid("A " + what + "'s name holds a character that is not allowed.");
            }
            for (String value : e.getValue()) {
                if (value != null && StrictJson.forbidden(value, false) >= 0) {
                    throw invalid("The " + what + " '" + e.getKey() + "' holds a character that is not allowed.");
                }
            }
        }
    }

    private static ValjeanException invalid(String detail) {
        return new ValjeanException(400, "INVALID_CHARACTERS", "Bad request", detail);
    }
}
