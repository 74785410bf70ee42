package dev.valjean.common;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * RFC 9457 problem details, with Valjean's stable {@code code} and, for validation failures,
 * the fields at fault.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String code, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {
    }

    public static Problem of(int status, String code, String title, String detail) {
        return new Problem("https://valjean.dev/problems/" + code.toLowerCase().replace('_', '-'), title, status, detail,
                code, null);
    }

    public Problem withErrors(List<FieldError> fieldErrors) {
        return new Problem(type, title, status, detail, code, fieldErrors);
    }
}
