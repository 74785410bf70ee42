package dev.valjean.sales;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;

/**
 * Posts qualified sales requests to the CRM webhook. Requests are stored first and claimed here
 * with {@code FOR UPDATE SKIP LOCKED} (several instances never post one twice at once); a non-2xx
 * answer or a network error is retried with backoff. The body is signed:
 * {@code X-Valjean-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}.
 */
@ApplicationScoped
public class SalesWebhook {

    private final SalesConfig config;
    private final Sql sql;
    private final Clock clock;
    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public SalesWebhook(SalesConfig config, Sql sql, Clock clock, ObjectMapper json) {
        this.config = config;
        this.sql = sql;
        this.clock = clock;
        this.json = json;
    }

    public boolean configured() {
        return config.webhookUrl().isPresent() && config.webhookSecret().isPresent();
    }

    @Scheduled(every = "${valjean.sales.webhook-every:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        postDue();
    }

    /** Posts every due request; returns how many were posted successfully. */
    public int postDue() {
        if (!configured()) {
            return 0;
        }
        int posted = 0;
        for (int round = 0; round < 100; round++) {
            Integer result = QuarkusTransaction.requiringNew().call(this::postOne);
            if (result == null) {
                break;
            }
            posted += result;
        }
        return posted;
    }

    /** Claims one due request (locked for this transaction), posts it, records the answer. Null when none is due. */
    private Integer postOne() {
        Instant now = clock.instant();
        List<Map<String, Object>> due = sql.rows("""
                SELECT r.id, r.kind, r.qualified, r.fit_reasons, r.attempts, r.created_at, c.email, c.name, s.fields::text AS fields
                FROM sales_request r JOIN contact c ON c.id = r.contact_id JOIN form_submission s ON s.id = r.submission_id
                WHERE r.webhook_status = 'PENDING' AND r.next_attempt_at <= ?
                ORDER BY r.next_attempt_at LIMIT 1 FOR UPDATE OF r SKIP LOCKED""", now);
        if (due.isEmpty()) {
            return null;
        }
        Map<String, Object> r = due.get(0);
        long id = ((Number) r.get("id")).longValue();
        int attempts = ((Number) r.get("attempts")).intValue() + 1;
        String body = body(r);
        String answer;
        boolean ok;
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(config.webhookUrl().orElseThrow()))
                    .timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("X-Valjean-Signature", Signing.webhookHeader(config.webhookSecret().orElseThrow(), now.getEpochSecond(), body))
                    .header("X-Valjean-Event", "sales_request.qualified")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            ok = response.statusCode() / 100 == 2;
            answer = "HTTP " + response.statusCode();
        } catch (IOException e) {
            ok = false;
            answer = "network error: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        String status = ok ? "POSTED" : attempts >= config.webhookMaxAttempts() ? "FAILED" : "PENDING";
        Instant next = now.plus(Duration.ofSeconds(Math.min(6 * 3600, 30L << Math.min(attempts - 1, 20))));
        sql.update("""
                UPDATE sales_request SET webhook_status = ?, attempts = ?, last_response = ?, posted_at = ?, next_attempt_at = ?
                WHERE id = ?""", status, attempts, answer.length() > 500 ? answer.substring(0, 500) : answer, ok ? now : null,
                ok ? null : next, id);
        if (!ok) {
            Log.warnf("Sales request %d not accepted by the CRM webhook (%s), attempt %d", id, answer, attempts);
        }
        return ok ? 1 : 0;
    }

    private String body(Map<String, Object> r) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("id", r.get("id"));
        payload.put("kind", r.get("kind"));
        payload.put("email", r.get("email"));
        payload.put("name", r.get("name"));
        payload.put("qualified", r.get("qualified"));
        payload.put("fit", r.get("fit_reasons"));
        payload.put("createdAt", r.get("created_at").toString());
        try {
            payload.put("fields", json.readTree((String) r.get("fields")));
            return json.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
