package dev.valjean.console;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.valjean.common.Problem;
import dev.valjean.common.ValjeanException;

/**
 * A service's refusal, placed beside the form fields it concerns, in the service's own words;
 * what concerns no single field is shown at the top of the form. The problem code stays in the API.
 */
public record FieldErrors(Map<String, String> byField, String general) {

    public static final FieldErrors NONE = new FieldErrors(Map.of(), null);

    public static FieldErrors of(ValjeanException e) {
        List<Problem.FieldError> errors = e.errors();
        if (errors.isEmpty()) {
            return new FieldErrors(Map.of(), e.getMessage());
        }
        Map<String, String> map = new LinkedHashMap<>();
        for (Problem.FieldError error : errors) {
            map.merge(error.field(), error.message(), (a, b) -> a + " " + b);
        }
        return new FieldErrors(map, null);
    }

    public boolean any() {
        return general != null || !byField.isEmpty();
    }

    public boolean has(String field) {
        return byField.containsKey(field);
    }

    public String get(String field) {
        return byField.get(field);
    }

    /** The error of one field of a repeated group ({@code steps[2].subject}), or null. */
    public String of(String group, int index, String field) {
        return byField.get(group + "[" + index + "]." + field);
    }
}
