package dev.valjean.common;

import java.util.Comparator;
import java.util.List;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.quarkus.logging.Log;

/**
 * The one place where exceptions become HTTP responses: always application/problem+json with a
 * stable code, never a stack trace, SQL or class name.
 */
public class ProblemMapper {

    @ServerExceptionMapper
    public RestResponse<Problem> domain(ValjeanException e) {
        Problem problem = Problem.of(e.status, e.code, e.title, e.getMessage());
        RestResponse<Problem> response = respond(e.errors().isEmpty() ? problem : problem.withErrors(e.errors()));
        if (e.retryAfterSeconds() != null) {
            response.getHeaders().putSingle("Retry-After", String.valueOf(e.retryAfterSeconds()));
        }
        return response;
    }

    @ServerExceptionMapper
    public RestResponse<Problem> validation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).reduce((a, b) -> a + "; " + b)
                .orElse("The request is not valid.");
        return respond(Problem.of(422, "VALIDATION_FAILED", "Invalid request", detail).withErrors(errors));
    }

    @ServerExceptionMapper
    public RestResponse<Problem> unreadable(JsonProcessingException e) {
        return respond(Problem.of(400, "MALFORMED_JSON", "Malformed request body",
                "The body is not valid JSON for this endpoint" + location(e) + "."));
    }

    /** A property the endpoint does not know: refused, so nobody believes it took effect. */
    @ServerExceptionMapper
    public RestResponse<Problem> unknownField(UnrecognizedPropertyException e) {
        String field = pathOf(e);
        return respond(Problem.of(422, "UNKNOWN_FIELD", "Unknown field",
                "This endpoint has no field '" + field + "'; nothing was changed.")
                .withErrors(List.of(new Problem.FieldError(field, "unknown field"))));
    }

    /** A control character in a text value, or a line break in a one-line field. */
    @ServerExceptionMapper
    public RestResponse<Problem> forbiddenCharacter(StrictJson.ForbiddenCharacter e) {
        String field = pathOf(e);
        return respond(Problem.of(422, "VALIDATION_FAILED", "Invalid request", field + ": " + e.getOriginalMessage())
                .withErrors(List.of(new Problem.FieldError(field, e.getOriginalMessage()))));
    }

    private static String pathOf(MismatchedInputException e) {
        StringBuilder path = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.length() == 0 ? "(body)" : path.toString();
    }

    /** Wrong types and unknown enum values; more specific than the mapper above, so it needs its own. */
    @ServerExceptionMapper
    public RestResponse<Problem> mismatched(MismatchedInputException e) {
        String field = e.getPath().isEmpty() ? null : pathOf(e);
        String detail = field == null ? "The body does not have the shape this endpoint expects."
                : "The value of '" + field + "' is not of the expected type or one of the allowed values.";
        Problem problem = Problem.of(400, "MALFORMED_JSON", "Malformed request body", detail);
        return respond(field == null ? problem : problem.withErrors(List.of(new Problem.FieldError(field, "invalid value"))));
    }

    @ServerExceptionMapper
    public RestResponse<Problem> web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException json) {
            return unreadable(json);
        }
        Response.StatusType info = Response.Status.fromStatusCode(status);
        String title = info != null ? info.getReasonPhrase() : "Error";
        String code = switch (status) {
            case 400 -> "BAD_REQUEST";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            default -> status >= 500 ? "INTERNAL_ERROR" : "HTTP_" + status;
        };
        String detail = switch (status) {
            case 404 -> "There is nothing at this address.";
            case 405 -> "This address does not accept that method.";
            case 415 -> "This endpoint does not accept that content type.";
            case 406 -> "This endpoint cannot produce the requested media type.";
            default -> title + ".";
        };
        if (status >= 500) {
            Log.errorf(e, "Request failed with status %d", status);
        }
        return respond(Problem.of(status, code, title, detail));
    }

    /** A form-encoded body that does not decode ("email=%%%%"): the client's fault, not ours. */
    @ServerExceptionMapper
    public RestResponse<Problem> illegalArgument(IllegalArgumentException e) {
        for (StackTraceElement frame : e.getStackTrace()) {
            if (frame.getClassName().equals("java.net.URLDecoder")
                    || frame.getClassName().endsWith("FormUrlEncodedProvider")
                    || frame.getClassName().endsWith("FormEncodedDataDefinition$FormEncodedDataParser")) {
                return respond(Problem.of(400, "MALFORMED_FORM", "Malformed request body",
                        "The body is not valid application/x-www-form-urlencoded data."));
            }
        }
        return unexpected(e);
    }

    @ServerExceptionMapper
    public RestResponse<Problem> unexpected(Exception e) {
        Log.error("Unexpected error while handling a request", e);
        return respond(Problem.of(500, "INTERNAL_ERROR", "Internal error",
                "Something went wrong on our side. The request changed nothing that is not recorded; try again."));
    }

    private static RestResponse<Problem> respond(Problem problem) {
        return RestResponse.ResponseBuilder.<Problem> create(problem.status())
                .entity(problem)
                .type(Problem.MEDIA_TYPE)
                .build();
    }

    private static String fieldOf(ConstraintViolation<?> violation) {
        // Paths look like "create.request.email": drop the method and parameter names.
        String path = violation.getPropertyPath().toString();
        String[] parts = path.split("\\.");
        return parts.length > 2 ? String.join(".", List.of(parts).subList(2, parts.length)) : parts[parts.length - 1];
    }

    private static String location(JsonProcessingException e) {
        if (e.getLocation() == null) {
            return "";
        }
        return " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
