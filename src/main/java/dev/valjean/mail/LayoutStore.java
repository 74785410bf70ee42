package dev.valjean.mail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateException;
import io.quarkus.qute.Variant;

/**
 * The author-owned Qute layouts. A layout is an HTML and a text variant; both must parse and both
 * must render the unsubscribe link, the preference-centre link and the postal address, or the
 * issue using it is refused when saved or previewed. The shipped defaults are files in
 * {@code valjean.mail.layouts-dir}; a layout edited in the console is stored as a new version in
 * the database, which every instance reads, and from then on it wins over the file. Parsed
 * templates are cached per file modification and per stored version (versions never change).
 */
@ApplicationScoped
public class LayoutStore {

    /** A parsed layout: its two variants, and the stored version it comes from (null: the shipped file). */
    public record Layout(String name, Template html, Template text, Long versionId, Integer version) {

        public Layout(String name, Template html, Template text) {
            this(name, html, text, null, null);
        }
    }

    /** A layout's source as an author edits it. */
    public record Source(String kind, String name, String html, String text, Long versionId, Integer version, Instant savedAt, String savedBy) {

        public boolean stored() {
            return versionId != null;
        }
    }

    /** The links and lines every newsletter layout must render. */
    public static final Map<String, String> NEWSLETTER_REQUIRED = Map.of(
            "unsubscribeUrl", "the unsubscribe link {unsubscribeUrl}",
            "preferencesUrl", "the preference-centre link {preferencesUrl}",
            "postalAddress", "the postal address {postalAddress}");

    private record Cached(long modified, Template template) {
    }

    private final Engine engine;
    private final Path dir;
    private final Sql sql;
    private final Map<Path, Cached> cache = new ConcurrentHashMap<>();
    private final Map<Long, Layout> versions = new ConcurrentHashMap<>();

    public LayoutStore(Engine engine, MailConfig config, Sql sql) {
        this.engine = engine;
        this.dir = Path.of(config.layoutsDir()).toAbsolutePath().normalize();
        this.sql = sql;
    }

    /** Loads and parses a newsletter layout; 422 LAYOUT_NOT_FOUND or LAYOUT_INVALID (with the line) when it cannot be used. */
    public Layout load(String name) {
        return load("newsletter", name);
    }

    /** Loads and parses the layout {@code <folder>/<name>.html} and {@code .txt} from the layouts directory. */
    public Layout load(String folder, String name) {
        checkName(name);
        Optional<Long> stored = sql.firstLong("SELECT id FROM layout_version WHERE kind = ? AND name = ? ORDER BY version DESC LIMIT 1",
                folder, name);
        if (stored.isPresent()) {
            return version(stored.get());
        }
        return new Layout(name, template(folder, name, "html", "text/html"), template(folder, name, "txt", "text/plain"));
    }

    /** A stored version, parsed once per instance (a version never changes). */
    public Layout version(long id) {
        Layout cached = versions.get(id);
        if (cached != null) {
            return cached;
        }
        Map<String, Object> row = sql.rows("SELECT kind, name, version, html, text FROM layout_version WHERE id = ?", id).stream().findFirst()
                .orElseThrow(() -> ValjeanException.invalid("LAYOUT_NOT_FOUND", "There is no stored layout version " + id + "."));
        String name = (String) row.get("name");
        int version = ((Number) row.get("version")).intValue();
        Layout layout = parse(name, (String) row.get("html"), (String) row.get("text"), id, version);
        versions.put(id, layout);
        return layout;
    }

    /** Parses an author's edit without storing it; 422 LAYOUT_INVALID naming the variant and the line when it does not parse. */
    public Layout parse(String name, String html, String text) {
        checkName(name);
        return parse(name, html, text, null, null);
    }

    private Layout parse(String name, String html, String text, Long id, Integer version) {
        String key = "layout:" + name + (id == null ? ":draft:" + System.nanoTime() : ":v" + id);
        Template h;
        Template t;
        try {
            h = engine.parse(html == null ? "" : html, Variant.forContentType("text/html"), key + ".html");
        } catch (TemplateException e) {
            throw invalid(name + ".html", e);
        }
        try {
            t = engine.parse(text == null ? "" : text, Variant.forContentType("text/plain"), key + ".txt");
        } catch (TemplateException e) {
            throw invalid(name + ".txt", e);
        }
        return new Layout(name, h, t, id, version);
    }

    /**
     * Stores an edit as the next version (the caller has checked it) and returns its id. Two
     * people saving at once: one wins, the other is told (409 LAYOUT_CHANGED) and can save again.
     */
    public long store(String folder, String name, String html, String text, String savedBy) {
        checkName(name);
        try {
            return sql.firstLong("""
                    INSERT INTO layout_version (kind, name, version, html, text, created_by)
                    SELECT ?, ?, COALESCE(max(version), 0) + 1, ?, ?, ? FROM layout_version WHERE kind = ? AND name = ?
                    RETURNING id""", folder, name, html, text, savedBy, folder, name).orElseThrow();
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("23505")) {
                throw ValjeanException.conflict("LAYOUT_CHANGED", "Someone saved this layout at the same moment; load it again and save.");
            }
            throw e;
        }
    }

    /**
     * The stored version an issue is sent with: the latest one, or, for a layout never edited,
     * the shipped file stored now as version 1 so the issue keeps it even if the file changes.
     */
    public long snapshot(String folder, String name) {
        checkName(name);
        Optional<Long> stored = sql.firstLong("SELECT id FROM layout_version WHERE kind = ? AND name = ? ORDER BY version DESC LIMIT 1",
                folder, name);
        if (stored.isPresent()) {
            return stored.get();
        }
        template(folder, name, "html", "text/html");
        sql.update("""
                INSERT INTO layout_version (kind, name, version, html, text, created_by) VALUES (?, ?, 1, ?, ?, 'the shipped file')
                ON CONFLICT (kind, name, version) DO NOTHING""", folder, name, read(folder, name, "html"), read(folder, name, "txt"));
        return sql.firstLong("SELECT id FROM layout_version WHERE kind = ? AND name = ? ORDER BY version DESC LIMIT 1", folder, name)
                .orElseThrow();
    }

    /** What an author edits: the latest stored version, or the shipped file. */
    public Source source(String folder, String name) {
        checkName(name);
        Optional<Map<String, Object>> row = sql.rows("""
                SELECT id, version, html, text, created_at, created_by FROM layout_version WHERE kind = ? AND name = ?
                ORDER BY version DESC LIMIT 1""", folder, name).stream().findFirst();
        if (row.isPresent()) {
            Map<String, Object> r = row.get();
            return new Source(folder, name, (String) r.get("html"), (String) r.get("text"), ((Number) r.get("id")).longValue(),
                    ((Number) r.get("version")).intValue(), (Instant) r.get("created_at"), (String) r.get("created_by"));
        }
        template(folder, name, "html", "text/html");
        return new Source(folder, name, read(folder, name, "html"), read(folder, name, "txt"), null, null, null, null);
    }

    /** Every layout of a kind: the shipped files and those only stored, by name. */
    public List<Source> list(String folder) {
        return names(folder).stream().map(n -> source(folder, n)).toList();
    }

    /** The names of a kind's layouts, without reading them (one that does not parse is still named, to be chosen and refused). */
    public List<String> names(String folder) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(sql.rows("SELECT DISTINCT name FROM layout_version WHERE kind = ?", folder)
                .stream().map(r -> (String) r.get("name")).toList());
        Path kindDir = dir.resolve(folder);
        if (Files.isDirectory(kindDir)) {
            try (var files = Files.list(kindDir)) {
                files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".html")).map(f -> f.substring(0, f.length() - 5))
                        .filter(n -> n.matches("[a-z0-9][a-z0-9_-]{0,62}")).forEach(names::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return List.copyOf(names);
    }

    private String read(String folder, String name, String suffix) {
        try {
            return Files.readString(dir.resolve(folder).resolve(name + "." + suffix), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ValjeanException.invalid("LAYOUT_NOT_FOUND", "The layout '" + name + "' cannot be read.");
        }
    }

    private static void checkName(String name) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw ValjeanException.invalid("LAYOUT_NOT_FOUND", "A layout name is lower-case letters, digits, '-' and '_'.");
        }
    }

    /**
     * Renders the layout with probe links and checks that both variants carry the unsubscribe
     * link, the preference-centre link and the postal address; 422 LAYOUT_INCOMPLETE otherwise.
     */
    public void check(Layout layout, Map<String, Object> sample) {
        check(layout, sample, NEWSLETTER_REQUIRED);
    }

    /**
     * Renders the layout with a probe value for each required variable (name to description) and
     * checks that both variants show every one; 422 LAYOUT_INCOMPLETE naming what is missing.
     */
    public void check(Layout layout, Map<String, Object> sample, Map<String, String> required) {
        Map<String, Object> probe = new java.util.HashMap<>(sample);
        required.keySet().forEach(variable -> probe.put(variable, probe(variable)));
        List<String> missing = new ArrayList<>();
        for (String variant : List.of("html", "txt")) {
            String out = render(layout, variant, probe);
            required.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .filter(r -> !out.contains(probe(r.getKey())))
                    .forEach(r -> missing.add(variant + ": " + r.getValue()));
        }
        if (!missing.isEmpty()) {
            throw ValjeanException.invalid("LAYOUT_INCOMPLETE", "The layout '" + layout.name() + "' must render, in both its .html and .txt variants, "
                    + String.join(", ", required.values().stream().sorted().toList()) + ". Missing: " + String.join("; ", missing) + ".");
        }
    }

    private static String probe(String variable) {
        return variable.endsWith("Url") ? "https://probe.invalid/VJ-PROBE-" + variable : "VJ-PROBE-" + variable;
    }

    /** Renders one variant; rendering errors (an unknown property, say) become 422 LAYOUT_INVALID with the line. */
    public String render(Layout layout, String variant, Map<String, Object> data) {
        Template template = "html".equals(variant) ? layout.html() : layout.text();
        try {
            return template.data(data).render();
        } catch (TemplateException e) {
            throw invalid(layout.name() + "." + variant, e);
        }
    }

    private Template template(String folder, String name, String suffix, String contentType) {
        Path file = dir.resolve(folder).resolve(name + "." + suffix).normalize();
        if (!file.startsWith(dir) || !Files.isRegularFile(file)) {
            throw ValjeanException.invalid("LAYOUT_NOT_FOUND", "There is no layout '" + name + "' (expected " + folder + "/" + name
                    + ".html and " + folder + "/" + name + ".txt in the layouts directory).");
        }
        try {
            long modified = Files.getLastModifiedTime(file).toMillis();
            Cached cached = cache.get(file);
            if (cached != null && cached.modified() == modified) {
                return cached.template();
            }
            String content = Files.readString(file, StandardCharsets.UTF_8);
            Template template;
            try {
                template = engine.parse(content, Variant.forContentType(contentType), "layout:" + folder + "/" + name + "." + suffix + ":" + modified);
            } catch (TemplateException e) {
                throw invalid(name + "." + suffix, e);
            }
            cache.put(file, new Cached(modified, template));
            return template;
        } catch (IOException e) {
            throw ValjeanException.invalid("LAYOUT_NOT_FOUND", "The layout '" + name + "' cannot be read.");
        }
    }

    private static ValjeanException invalid(String file, TemplateException e) {
        int line = e.getOrigin() == null ? -1 : e.getOrigin().getLine();
        String message = e.getMessage() == null ? "syntax error" : e.getMessage();
        // Qute's message names an internal template id; the file and line are what an author needs.
        message = message.replaceAll("\\[?layout:[^\\]\\s]*\\]?", "").replaceAll("\\s+", " ").strip();
        return ValjeanException.invalid("LAYOUT_INVALID", "The layout " + file + (line > 0 ? ", line " + line : "") + ", does not work: "
                + message);
    }
}
