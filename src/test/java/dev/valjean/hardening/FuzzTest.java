package dev.valjean.hardening;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import jakarta.inject.Inject;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.auth.Role;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.logging.Log;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Generated hostile requests against every endpoint: mutated JSON (wrong types, unknown and repeated
 * fields, control characters, huge and deep values), broken form bodies, hostile path and query
 * values, wrong content types, and every kind of caller. None may get a 5xx, a body with a stack
 * trace, SQL or a class name, or a 2xx for a body with a field the endpoint does not have.
 *
 * CI runs a seeded 2,000; {@code -Dfuzz.requests=20000 -Dfuzz.seed=N} runs a full one (figures in
 * docs/RELIABILITY.md).
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class FuzzTest {

    static final int REQUESTS = Integer.getInteger("fuzz.requests", 2000);
    static final long SEED = Long.getLong("fuzz.seed", 20261202L);

    /** Every route with a body that would be valid (null: no body), so mutations start from something plausible. */
    static final List<Object[]> ROUTES = List.of(
            route("POST", "/api/v1/tokens", Map.of("name", "n", "role", "EDITOR", "email", "e@example.com")),
            route("GET", "/api/v1/tokens", null), route("DELETE", "/api/v1/tokens/{n}", null),
            route("GET", "/api/v1/outbox?status={s}&purpose={s}&email={s}&limit={n}&before={n}&since={s}", null),
            route("GET", "/api/v1/outbox/{n}", null), route("POST", "/api/v1/outbox/test", Map.of("to", "a@example.com")),
            route("POST", "/api/v1/newsletters", newsletter()), route("GET", "/api/v1/newsletters", null),
            route("GET", "/api/v1/newsletters/{s}", null), route("PATCH", "/api/v1/newsletters/{s}", Map.of("name", "New name")),
            route("GET", "/api/v1/newsletters/{s}/consent-texts", null),
            route("POST", "/api/v1/subscriptions", Map.of("email", "a@example.com", "newsletters", List.of("fuzz"), "consent", true)),
            route("GET", "/api/v1/challenge", null),
            route("GET", "/api/v1/contacts/{s}/consent", null), route("GET", "/api/v1/contacts/{s}/export", null),
            route("DELETE", "/api/v1/contacts/{s}", null), route("POST", "/api/v1/contacts/{s}/replied", null),
            route("POST", "/api/v1/newsletters/{s}/imports", null),
            route("POST", "/api/v1/newsletters/{s}/issues", Map.of("subject", "S", "items",
                    List.of(Map.of("title", "T", "body", "B", "url", "https://example.com")))),
            route("GET", "/api/v1/newsletters/{s}/issues", null),
            route("GET", "/api/v1/issues/{n}", null), route("PATCH", "/api/v1/issues/{n}", Map.of("subject", "S")),
            route("GET", "/api/v1/issues/{n}/preview", null), route("POST", "/api/v1/issues/{n}/test", Map.of("to", "a@example.com")),
            route("POST", "/api/v1/issues/{n}/schedule", Map.of("at", "2030-01-01T10:00:00Z")),
            route("POST", "/api/v1/issues/{n}/send", Map.of("overrideReason", "r")), route("POST", "/api/v1/issues/{n}/cancel", null),
            route("PUT", "/api/v1/accounts/{s}", Map.of("name", "Acme", "customer", true, "industry", "Software",
                    "employeeCount", 40, "country", "DE")),
            route("GET", "/api/v1/accounts/{s}", null),
            route("PUT", "/api/v1/opportunities/{s}", Map.of("account", "acme", "name", "Deal", "status", "OPEN",
                    "contacts", List.of(Map.of("email", "b@example.com", "name", "B", "role", "buyer", "timeZone", "Europe/Paris")))),
            route("GET", "/api/v1/opportunities/{s}", null),
            route("POST", "/api/v1/forms", Map.of("kind", "GATED_DOWNLOAD", "name", "Ebook")), route("GET", "/api/v1/forms", null),
            route("GET", "/api/v1/sales-requests?qualified={s}", null),
            route("POST", "/api/v1/sequences", Map.of("name", "S", "purpose", "SALES_ACCELERATION", "steps",
                    List.of(Map.of("delayHours", 1, "subject", "Hi", "body", "Hello.")))),
            route("POST", "/api/v1/sequences/{n}/enrollments", Map.of("email", "b@example.com", "opportunity", "deal")),
            route("GET", "/api/v1/enrollments?opportunity={s}&email={s}", null),
            route("POST", "/api/v1/enrollments/{n}/stop", null),
            route("GET", "/api/v1/suppressions?email={s}", null),
            route("POST", "/api/v1/suppressions", Map.of("email", "c@example.com", "reason", "HARD_BOUNCE")),
            route("GET", "/subscribe/{s}", null), route("POST", "/subscribe/{s}", "FORM"),
            route("GET", "/embed/{s}.js", null), route("GET", "/confirm/{s}", null), route("POST", "/confirm/{s}", null),
            route("GET", "/unsubscribe/{s}", null), route("POST", "/unsubscribe/{s}", "FORM"),
            route("GET", "/preferences/{s}", null), route("POST", "/preferences/{s}", "FORM"),
            route("POST", "/forms/{s}", Map.of("email", "d@example.com", "company", "C")),
            route("GET", "/archive/{s}", null), route("GET", "/archive/{s}/{n}", null), route("GET", "/archive/{s}/feed.xml", null),
            route("GET", "/nurture/opt-out/{s}", null), route("POST", "/nurture/opt-out/{s}", null),
            route("POST", "/webhooks/crm", Map.of("id", "e1", "type", "contact.replied", "data", Map.of("email", "a@example.com"))),
            route("GET", "/q/health/ready", null), route("GET", "/q/metrics", null), route("GET", "/q/openapi", null));

    /** Endpoints whose body is free-form by design (a public form's own fields). */
    static final List<String> FREE_FORM = List.of("/forms/{s}");

    static final String[] HOSTILE = { "", " ", "0", "-1", "99999999999999999999", "1e308", "NaN", "null", "true", "%00", "%0d%0a",
            "a%00b", "..%2f..%2fetc%2fpasswd", "%2e%2e", "'; DROP TABLE contact; --", "\" OR 1=1 --", "<script>alert(1)</script>",
            "{{7*7}}", "${7*7}", "%25%25", "%", "\u00e9\u00e8", "\ud83d\ude00", "x".repeat(5000), "a@b", "@@", "fuzz",
            "reader@example.com", "Bob@Example.COM", "j\u00fcrgen@example.de", "anna@fa\u00df.de", "%E2%80%AE", "%C0%AE" };

    @Inject
    TestData data;

    @Test
    void thousands_of_hostile_requests_get_no_5xx_no_leak_and_no_2xx_for_an_unknown_field() throws Exception {
        data.reset();
        data.newsletter("fuzz");
        Random random = new Random(SEED);
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("none", null);
        tokens.put("bogus", "vj_bogus");
        tokens.put("ADMIN", TestData.ADMIN);
        tokens.put("EDITOR", data.token(Role.EDITOR));
        tokens.put("SALES", data.token(Role.SALES));
        List<String> callers = new ArrayList<>(tokens.keySet());
        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        RestAssuredConfig raw = RestAssuredConfig.config()
                .encoderConfig(EncoderConfig.encoderConfig().encodeContentTypeAs("*/*", io.restassured.http.ContentType.TEXT)
                        .appendDefaultContentCharsetToContentTypeIfUndefined(false));
        for (int i = 0; i < REQUESTS; i++) {
            Object[] route = ROUTES.get(random.nextInt(ROUTES.size()));
            String method = (String) route[0];
            String template = (String) route[1];
            String path = fill(template, random);
            String caller = random.nextInt(4) == 0 ? callers.get(random.nextInt(callers.size())) : "ADMIN";
            RequestSpecification request = given().config(raw).urlEncodingEnabled(false).redirects().follow(false);
            if (tokens.get(caller) != null) {
                request = request.header("Authorization", "Bearer " + tokens.get(caller));
            }
            if (random.nextInt(5) == 0) {
                request = request.header("X-Forwarded-For", pick(HOSTILE, random).replace("%", ""));
            }
            boolean unknownField = false;
            String body = null;
            String contentType = null;
            Object template0 = route[2];
            if (template0 instanceof Map<?, ?> valid) {
                Mutation m = mutate(valid, random);
                body = m.json;
                unknownField = m.unknownField;
                contentType = random.nextInt(20) == 0 ? pick(new String[] { "text/plain", "application/xml", "application/x-www-form-urlencoded",
                        "application/json; charset=ISO-8859-1", "multipart/form-data" }, random) : "application/json";
            } else if ("FORM".equals(template0)) {
                body = form(random);
                contentType = "application/x-www-form-urlencoded";
            } else if (!method.equals("GET") && !method.equals("DELETE") && random.nextBoolean()) {
                body = random.nextBoolean() ? "{}" : pick(new String[] { "x=1", "%%%", "\u0000", "[]", "null", "{\"a\":" }, random);
                contentType = random.nextBoolean() ? "application/json" : "application/x-www-form-urlencoded";
            }
            if (body != null) {
                request = request.contentType(contentType).body(body);
            }
            Response response;
            try {
                response = request.request(method, path);
            } catch (Exception e) {
                // The client refused to build the request (an impossible URL): nothing reached the server.
                statuses.merge(0, 1, Integer::sum);
                continue;
            }
            int status = response.statusCode();
            statuses.merge(status, 1, Integer::sum);
            String answer = response.asString();
            String what = method + " " + path.substring(0, Math.min(path.length(), 120)) + " as " + caller
                    + (body == null ? "" : " body " + body.substring(0, Math.min(body.length(), 200)));
            if (status >= 500) {
                failures.add(status + " for " + what + ": " + answer.substring(0, Math.min(answer.length(), 300)));
            }
            for (String leak : new String[] { "Exception", "\tat ", "org.postgresql", "PSQL", "SQLState", "syntax error at",
                    "dev.valjean.", "java.lang", "com.fasterxml", "io.quarkus", "jakarta." }) {
                if (answer.contains(leak) && !path.startsWith("/q/")) {
                    failures.add("leaks '" + leak + "' for " + what);
                }
            }
            if (unknownField && status >= 200 && status < 300 && !FREE_FORM.contains(template)) {
                failures.add("2xx with an unknown field for " + what);
            }
        }
        Log.infof("FuzzTest seed %d, %d requests: statuses %s", SEED, REQUESTS, statuses);
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())), failures.size() + " failures (seed " + SEED + ")");
        assertTrue(statuses.keySet().stream().anyMatch(s -> s >= 200 && s < 300), "some requests must succeed: " + statuses);
        assertTrue(statuses.entrySet().stream().filter(e -> e.getKey() >= 400).mapToInt(Map.Entry::getValue).sum() > REQUESTS / 4,
                "most requests are hostile and refused: " + statuses);
    }

    record Mutation(String json, boolean unknownField) {
    }

    private static Mutation mutate(Map<?, ?> valid, Random random) {
        Map<String, Object> body = new LinkedHashMap<>();
        valid.forEach((k, v) -> body.put((String) k, v));
        boolean unknown = false;
        int mutations = random.nextInt(4);
        List<String> keys = new ArrayList<>(body.keySet());
        for (int m = 0; m < mutations && !keys.isEmpty(); m++) {
            String key = keys.get(random.nextInt(keys.size()));
            switch (random.nextInt(8)) {
                case 0 -> body.put(key, pick(HOSTILE, random).replace("%00", "\u0000").replace("%0d%0a", "\r\n"));
                case 1 -> body.put(key, random.nextInt(3) - 1);
                case 2 -> body.put(key, random.nextBoolean());
                case 3 -> body.put(key, null);
                case 4 -> body.put(key, List.of(pick(HOSTILE, random)));
                case 5 -> body.put(key, Map.of("nested", Map.of("deeper", pick(HOSTILE, random))));
                case 6 -> body.remove(key);
                default -> body.put(key, "text\u0001with\u0007controls\u001b[0m");
            }
        }
        if (random.nextInt(4) == 0) {
            body.put(pick(new String[] { "sequence", "actions", "isAdmin", "role2", "subscribe", "__proto__" }, random), 5);
            unknown = true;
        }
        String json = toJson(body);
        switch (random.nextInt(12)) {
            case 0 -> json = json.replaceFirst("\\{", "{\"" + keys.get(0) + "\":\"dup\",");
            case 1 -> json = json.substring(0, Math.max(1, json.length() / 2));
            case 2 -> json = "[" + json + "]";
            case 3 -> json = "{\"a\":" + "[".repeat(2000) + "]".repeat(2000) + "}";
            default -> {
            }
        }
        return new Mutation(json, unknown);
    }

    private static String form(Random random) {
        String[] fields = { "email", "name", "consent", "consentVersion", "formToken", "altcha", "website", "leave", "all", "optOut" };
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(pick(fields, random)).append('=').append(pick(HOSTILE, random));
        }
        return random.nextInt(10) == 0 ? "%%%%" : sb.toString();
    }

    private static String fill(String template, Random random) {
        String path = template;
        while (path.contains("{n}")) {
            path = path.replaceFirst("\\{n}", pick(new String[] { "1", "0", "-5", "99999999999999999999", "abc", "%00", "1.5" }, random));
        }
        while (path.contains("{s}")) {
            path = path.replaceFirst("\\{s}", java.util.regex.Matcher.quoteReplacement(pick(HOSTILE, random).replace(" ", "%20")
                    .replace("\"", "%22").replace("<", "%3C").replace(">", "%3E").replace("'", "%27").replace("{", "%7B")
                    .replace("}", "%7D").replace("$", "%24").replace("\u00e9\u00e8", "%C3%A9").replace("\ud83d\ude00", "%F0%9F%98%80")
                    .replace("\u00fc", "%C3%BC").replace("\u00df", "%C3%9F").replace(";", "%3B")));
        }
        return path;
    }

    private static String pick(String[] values, Random random) {
        return values[random.nextInt(values.length)];
    }

    private static Object[] route(String method, String path, Object body) {
        return new Object[] { method, path, body };
    }

    private static Map<String, Object> newsletter() {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("slug", "fuzz2");
        n.put("name", "Fuzz");
        n.put("cadence", "WEEKLY");
        n.put("senderName", "Fuzz");
        n.put("senderAddress", "fuzz@valjean.test");
        n.put("consentText", "Yes.");
        return n;
    }

    private static String toJson(Object value) {
        if (value == null) {
            return "null";
        } else if (value instanceof String s) {
            StringBuilder sb = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            return sb.append('"').toString();
        } else if (value instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            m.forEach((k, v) -> parts.add(toJson(String.valueOf(k)) + ":" + toJson(v)));
            return "{" + String.join(",", parts) + "}";
        } else if (value instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            l.forEach(v -> parts.add(toJson(v)));
            return "[" + String.join(",", parts) + "]";
        }
        return String.valueOf(value);
    }
}
