package dev.valjean.issue;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.MultiLine;
import dev.valjean.common.Problem;
import dev.valjean.common.ValjeanException;
import dev.valjean.mail.Markdown;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.qute.RawString;

/** The rules an issue's content must keep (one to three short items) and the data its layout renders. */
public final class IssueContent {

    /** One item as an author writes it. */
    public record Item(@org.eclipse.microprofile.openapi.annotations.media.Schema(example = "The one thing worth your minute") String title, @MultiLine @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "A short paragraph, in **Markdown**.") String body, @org.eclipse.microprofile.openapi.annotations.media.Schema(example = "https://example.com/posts/one") String url) {
    }

    public static final int MAX_ITEMS = 3;
    public static final int PREHEADER_MAX = 150;
    private static final ObjectMapper JSON = new ObjectMapper();

    private IssueContent() {
    }

    /** Refuses an issue that breaks the rules, naming every item and limit it breaks (422). */
    static void check(Newsletter n, String subject, String preheader, List<Item> items) {
        int count = items == null ? 0 : items.size();
        if (count < 1 || count > MAX_ITEMS) {
            throw ValjeanException.invalid("ITEM_COUNT", "An issue has one to three items; this one has " + count + ".");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        length(errors, "subject", subject, n.subjectMax, true);
        if (subject != null && subject.chars().anyMatch(Character::isISOControl)) {
            errors.add(new Problem.FieldError("subject", "must be one line"));
        }
        length(errors, "preheader", preheader, PREHEADER_MAX, false);
        if (preheader != null && preheader.chars().anyMatch(Character::isISOControl)) {
            errors.add(new Problem.FieldError("preheader", "must be one line"));
        }
        for (int i = 0; i < count; i++) {
            Item item = items.get(i);
            String at = "items[" + i + "]";
            if (item == null) {
                errors.add(new Problem.FieldError(at, "is empty"));
                continue;
            }
            length(errors, at + ".title", item.title(), n.titleMax, true);
            length(errors, at + ".body", item.body(), n.bodyMax, true);
            if (item.url() != null && !item.url().isBlank() && !isWebUrl(item.url())) {
                errors.add(new Problem.FieldError(at + ".url", "must be an absolute http or https URL of at most 2000 characters"));
            }
        }
        if (!errors.isEmpty()) {
            String detail = errors.stream().map(e -> e.field() + " " + e.message()).reduce((a, b) -> a + "; " + b).orElse("");
            throw new Invalid(detail, errors);
        }
    }

    /** A 422 with one entry per broken rule. */
    static final class Invalid extends ValjeanException {
        private final List<Problem.FieldError> errors;

        Invalid(String detail, List<Problem.FieldError> errors) {
            super(422, "ISSUE_TOO_LONG", "Invalid request", "This issue breaks the newsletter's limits: " + detail + ".");
            this.errors = errors;
        }

        @Override
        public List<Problem.FieldError> errors() {
            return errors;
        }
    }

    private static void length(List<Problem.FieldError> errors, String field, String value, int max, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                errors.add(new Problem.FieldError(field, "is required"));
            }
        } else if (measure(value) > max) {
            errors.add(new Problem.FieldError(field, "is " + measure(value) + " characters; the limit is " + max));
        }
    }

    /** The length a limit is checked against (what the console's counters show). */
    public static int measure(String value) {
        return value == null ? 0 : value.strip().length();
    }

    private static boolean isWebUrl(String url) {
        try {
            URI uri = URI.create(url.strip());
            return url.length() <= 2000 && uri.isAbsolute() && uri.getHost() != null
                    && ("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static String toJson(List<Item> items) {
        try {
            return JSON.writeValueAsString(items.stream().map(i -> new Item(i.title().strip(), i.body().strip(),
                    i.url() == null || i.url().isBlank() ? null : i.url().strip())).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Item> fromJson(String json) {
        try {
            return JSON.readValue(json, new TypeReference<List<Item>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable issue items", e);
        }
    }

    /** The items as a layout sees them: title, sanitized HTML body, plain-text body, optional URL. */
    static List<Map<String, Object>> forLayout(List<Item> items) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Item item : items) {
            Map<String, Object> m = new HashMap<>();
            m.put("title", item.title());
            m.put("html", new RawString(Markdown.html(item.body())));
            m.put("text", Markdown.text(item.body()));
            m.put("url", item.url() == null ? "" : item.url());
            out.add(m);
        }
        return out;
    }
}
