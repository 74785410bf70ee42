package dev.valjean.subscription;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.abuse.AbuseConfig;
import dev.valjean.auth.AuditTrail;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * The origins whose pages may embed the sign-up form: those of {@code valjean.abuse.embed-origins}
 * and those added in the console. Console changes are in the database, read again every few
 * seconds by each instance (at once by the one that made them), so they take effect without a
 * restart. Refused origins are counted, so the console can show who tried. The list is read at
 * start and then every five seconds on a worker, so that what answers on an event loop (the
 * sign-up endpoint, CORS preflights) finds it current without a read of its own.
 */
@ApplicationScoped
public class EmbedOrigins {

    /** One allowed origin: where it comes from and, if added in the console, by whom. */
    public record Allowed(String origin, boolean configured, Instant addedAt, String addedBy) {
    }

    /** An origin that tried to embed the form and was refused. */
    public record Refused(String origin, Instant firstAt, Instant lastAt, long attempts) {
    }

    private static final long REFRESH_MILLIS = 5_000;
    private static final java.util.regex.Pattern ORIGIN = java.util.regex.Pattern.compile("https?://[a-z0-9.\\[\\]:-]{1,190}");

    private final List<String> configured;
    private final Sql sql;
    private final Clock clock;
    private final AuditTrail audit;
    private volatile Set<String> stored = Set.of();
    private volatile long loadedAt;
    private volatile boolean failing;
    private final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();
    private final Map<String, Long> refusalRecorded = new ConcurrentHashMap<>();

    public EmbedOrigins(AbuseConfig config, Sql sql, Clock clock, AuditTrail audit) {
        this.configured = config.embedOrigins().orElse(List.of()).stream().map(EmbedOrigins::normalize).toList();
        this.sql = sql;
        this.clock = clock;
        this.audit = audit;
    }

    public boolean allowed(String origin) {
        if (origin == null) {
            return false;
        }
        String o = normalize(origin);
        return configured.contains(o) || current().contains(o);
    }

    /** Notes a refused origin (at most once a minute per origin and instance, so a flood does not become database writes). */
    public void refused(String origin) {
        if (origin == null) {
            return;
        }
        String o = normalize(origin);
        if (!ORIGIN.matcher(o).matches()) {
            return;
        }
        long now = System.currentTimeMillis();
        Long last = refusalRecorded.get(o);
        if (last != null && now - last < 60_000) {
            return;
        }
        if (refusalRecorded.size() > 10_000) {
            refusalRecorded.clear();
        }
        refusalRecorded.put(o, now);
        // CORS preflights are answered on the event loop: the database write goes to a worker.
        io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool().execute(() -> record(o));
    }

    private void record(String o) {
        try {
            Instant at = clock.instant();
            sql.update("""
                    INSERT INTO embed_refusal (origin, first_at, last_at, attempts) VALUES (?, ?, ?, 1)
                    ON CONFLICT (origin) DO UPDATE SET last_at = EXCLUDED.last_at, attempts = embed_refusal.attempts + 1""", o, at, at);
            // Keep the list short: the 500 most recent.
            sql.update("DELETE FROM embed_refusal WHERE origin IN (SELECT origin FROM embed_refusal ORDER BY last_at DESC OFFSET 500)");
        } catch (RuntimeException e) {
            Log.warnf("Could not note the refused embed origin: %s", e.getMessage());
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Allowed> list() {
        List<Allowed> all = new ArrayList<>();
        configured.forEach(o -> all.add(new Allowed(o, true, null, null)));
        for (var r : sql.rows("SELECT origin, added_at, added_by FROM embed_origin ORDER BY origin")) {
            all.add(new Allowed((String) r.get("origin"), false, (Instant) r.get("added_at"), (String) r.get("added_by")));
        }
        return all;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Refused> refusals() {
        return sql.rows("SELECT origin, first_at, last_at, attempts FROM embed_refusal WHERE origin <> ALL(?) ORDER BY last_at DESC LIMIT 50",
                (Object) allAllowed().toArray(String[]::new)).stream()
                .map(r -> new Refused((String) r.get("origin"), (Instant) r.get("first_at"), (Instant) r.get("last_at"),
                        ((Number) r.get("attempts")).longValue()))
                .toList();
    }

    /**
     * Allows an origin (scheme, host and port, as a browser sends it); 422 EMBED_ORIGIN_INVALID beside the field otherwise.
     * In a transaction of its own, and the list read again once it is committed: see {@link #committed}.
     */
    public String add(String origin, String addedBy) {
        String o = origin == null ? "" : normalize(origin);
        if (!ORIGIN.matcher(o).matches()) {
            throw ValjeanException.field("EMBED_ORIGIN_INVALID", "origin",
                    "Write the site's origin as the browser sends it: https://www.example.com (scheme, host and port if any; no path).");
        }
        QuarkusTransaction.requiringNew().run(() -> {
            sql.update("INSERT INTO embed_origin (origin, added_by) VALUES (?, ?) ON CONFLICT (origin) DO NOTHING", o, addedBy);
            audit.record("embed_origin.added", "embed_origin", o, Map.of());
        });
        committed(o, true);
        return o;
    }

    /** Removes an origin added in the console, in a transaction of its own; the list is read again once it is committed. */
    public void remove(String origin) {
        String o = normalize(origin == null ? "" : origin);
        QuarkusTransaction.requiringNew().run(() -> {
            sql.update("DELETE FROM embed_origin WHERE origin = ?", o);
            audit.record("embed_origin.removed", "embed_origin", o, Map.of());
        });
        committed(o, false);
    }

    /**
     * After a committed change, the list as the database now holds it. A reload that read the table before the commit
     * holds the lock of {@link #refresh} until it has set its (older) list, so this read comes after it and wins; setting
     * the change into the list before the commit, as this did, could be overwritten by such a reload for five seconds.
     * If the database cannot be read just now, the change is applied to the list as it is.
     */
    private synchronized void committed(String origin, boolean added) {
        refresh();
        if (failing) {
            Set<String> next = new java.util.HashSet<>(stored);
            if (added) {
                next.add(origin);
            } else {
                next.remove(origin);
            }
            stored = Set.copyOf(next);
        }
    }

    /** The list read at start, before the first request. */
    void load(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent start) {
        refresh();
    }

    /** Read again every five seconds: another instance may have changed it. */
    @io.quarkus.scheduler.Scheduled(every = "5s", delayed = "5s", concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    void reload() {
        refresh();
    }

    private Set<String> allAllowed() {
        Set<String> all = new java.util.HashSet<>(configured);
        all.addAll(current());
        return all;
    }

    private Set<String> current() {
        long now = System.currentTimeMillis();
        if (now - loadedAt > REFRESH_MILLIS) {
            if (io.vertx.core.Context.isOnEventLoopThread()) {
                // Never block the event loop: refresh on a worker, answer with the list as it is.
                if (refreshing.compareAndSet(false, true)) {
                    io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool().execute(this::refresh);
                }
            } else {
                refresh();
            }
        }
        return stored;
    }

    /** Reads the list; one read at a time, so that a read made after a change is the last to set it. */
    private synchronized void refresh() {
        try {
            stored = Set.copyOf(sql.rows("SELECT origin FROM embed_origin").stream().map(r -> (String) r.get("origin")).toList());
            loadedAt = System.currentTimeMillis();
            failing = false;
        } catch (RuntimeException e) {
            // The database is away: keep the last list rather than refuse every site (said once, not every five seconds).
            if (!failing) {
                Log.warnf("Embed origins not refreshed: %s", e.getMessage());
            }
            failing = true;
        } finally {
            refreshing.set(false);
        }
    }

    static String normalize(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
