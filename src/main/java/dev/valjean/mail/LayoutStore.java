package dev.valjean.mail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.ValjeanException;
import io.quarkus.qute.Engine;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateException;
import io.quarkus.qute.Variant;

/**
 * The author-owned Qute layouts, read from {@code valjean.mail.layouts-dir} at run time (so they
 * change without a rebuild) and parsed once per file version. A layout is an HTML and a text
 * variant; both must parse and both must render the unsubscribe link, the preference-centre link
 * and the postal address, or the issue using it is refused when saved or previewed.
 */
@ApplicationScoped
public class LayoutStore {

    /** A parsed layout: its two variants. */
    public record Layout(String name, Template html, Template text) {
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
    private final Map<Path, Cached> cache = new ConcurrentHashMap<>();

    public LayoutStore(Engine engine, MailConfig config) {
        this.engine = engine;
        this.dir = Path.of(config.layoutsDir()).toAbsolutePath().normalize();
    }

    /** Loads and parses a newsletter layout; 422 LAYOUT_NOT_FOUND or LAYOUT_INVALID (with the line) when it cannot be used. */
    public Layout load(String name) {
        return load("newsletter", name);
    }

    /** Loads and parses the layout {@code <folder>/<name>.html} and {@code .txt} from the layouts directory. */
    public Layout load(String folder, String name) {
        if (name == null || !name.matches("[a-z0-9][a-z0-9_-]{0,62}")) {
            throw ValjeanException.invalid("LAYOUT_NOT_FOUND", "A layout name is lower-case letters, digits, '-' and '_'.");
        }
        return new Layout(name, template(folder, name, "html", "text/html"), template(folder, name, "txt", "text/plain"));
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
