package dev.valjean.issue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import dev.valjean.mail.LayoutStore;
import io.quarkus.logging.Log;
import io.quarkus.qute.Expression;
import io.quarkus.qute.HtmlEscaper;
import io.quarkus.qute.SectionBlock;
import io.quarkus.qute.SectionNode;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateNode;

/**
 * An issue's layout rendered once, with the reader's three values (name, unsubscribe link,
 * preference link) left as slots: each message is then the shared text with that reader's values
 * put in, instead of a whole render per reader. Renders exactly what the layout gives for that
 * reader, and is only used where that can be shown from the layout itself: each reader value is
 * used as it is, either written out ({@code {subscriber.name}}) or alone as an {@code {#if}}
 * condition, and the layout has no sections but {@code #if}, {@code #for} and {@code #each}.
 * Whether each value is empty picks the render (an {@code #if} on it goes one way or the other),
 * so there is one per combination that occurs, made when it first does, and each is checked
 * against a whole render with awkward values (markup, quotes, accents) before it is used. Any
 * other layout is rendered for each reader, as before ({@link #of} is empty).
 */
final class ReaderSlots {

    /** The reader's values as the layout names them, in slot order. */
    static final List<List<String>> PATHS = List.of(List.of("subscriber", "name"), List.of("unsubscribeUrl"), List.of("preferencesUrl"));

    private static final List<String> SECTIONS = List.of("if", "for", "each");

    private static final HtmlEscaper HTML = new HtmlEscaper(List.of("text/html"));

    /** The shared text of one variant between the slots: segments[i], then the value of slots[i], ..., then the last segment. */
    private record Split(String[] segments, int[] slots, int length) {

        String fill(String[] values) {
            StringBuilder sb = new StringBuilder(length + 256);
            for (int i = 0; i < slots.length; i++) {
                sb.append(segments[i]).append(values[slots[i]]);
            }
            return sb.append(segments[slots.length]).toString();
        }
    }

    /** Both variants for one combination of empty and non-empty values; null parts when the check failed. */
    private record Shape(Split html, Split text) {
    }

    private static final Shape UNUSABLE = new Shape(null, null);

    /** One reader's message: both variants of the layout. */
    record Filled(String html, String text) {
    }

    private final LayoutStore layouts;
    private final LayoutStore.Layout layout;
    private final Map<String, Object> base;
    private final Map<Integer, Shape> shapes = new ConcurrentHashMap<>();

    private ReaderSlots(LayoutStore layouts, LayoutStore.Layout layout, Map<String, Object> base) {
        this.layouts = layouts;
        this.layout = layout;
        this.base = base;
    }

    /** Slots for this layout and issue, or empty when the layout uses a reader's value in a way they cannot render. */
    static Optional<ReaderSlots> of(LayoutStore layouts, LayoutStore.Layout layout, Map<String, Object> base) {
        return fits(layout.html()) && fits(layout.text()) ? Optional.of(new ReaderSlots(layouts, layout, base)) : Optional.empty();
    }

    /**
     * The layout for this reader, both variants; empty when the render for this combination did
     * not pass its check (the caller renders the whole layout then).
     */
    Optional<Filled> render(String name, String unsubscribeUrl, String preferencesUrl) {
        String[] values = { name == null ? "" : name, unsubscribeUrl == null ? "" : unsubscribeUrl, preferencesUrl == null ? "" : preferencesUrl };
        int key = key(values);
        Shape shape = shapes.computeIfAbsent(key, k -> prepare(values));
        if (shape == UNUSABLE) {
            return Optional.empty();
        }
        return Optional.of(fill(shape, values));
    }

    /** The shape filled with {@code values}: HTML-escaped in the HTML variant, as they are in the text. */
    private static Filled fill(Shape shape, String[] values) {
        String[] escaped = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            escaped[i] = HTML.map(values[i], null);
        }
        return new Filled(shape.html().fill(escaped), shape.text().fill(values));
    }

    private static int key(String[] values) {
        int key = 0;
        for (int i = 0; i < values.length; i++) {
            if (!values[i].isEmpty()) {
                key |= 1 << i;
            }
        }
        return key;
    }

    /** Renders the combination of {@code like} with markers in its non-empty slots, and checks it against a whole render. */
    private Shape prepare(String[] like) {
        String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        String[] markers = new String[like.length];
        for (int i = 0; i < like.length; i++) {
            markers[i] = like[i].isEmpty() ? "" : "\uE000" + nonce + i + "\uE001";
        }
        Map<String, Object> marked = IssueService.personal(base, markers[0], markers[1], markers[2]);
        Split html = split(layouts.render(layout, "html", marked), nonce, like.length);
        Split text = split(layouts.render(layout, "txt", marked), nonce, like.length);
        if (html == null || text == null) {
            return unusable("a marker did not come out whole");
        }
        Shape shape = new Shape(html, text);
        // The check: values with markup, quotes, an ampersand and an accent, each empty where this combination has it empty.
        String[] probe = { "Zoë <b>&amp; \"O'Neil\" {x}", "https://probe.invalid/u/a?b=1&c='2'<>", "https://probe.invalid/p/\"q\"&r" };
        for (int i = 0; i < like.length; i++) {
            if (like[i].isEmpty()) {
                probe[i] = "";
            }
        }
        Map<String, Object> whole = IssueService.personal(base, probe[0], probe[1], probe[2]);
        Filled filled = fill(shape, probe);
        if (!filled.html().equals(layouts.render(layout, "html", whole)) || !filled.text().equals(layouts.render(layout, "txt", whole))) {
            return unusable("it rendered differently from the whole layout");
        }
        return shape;
    }

    private Shape unusable(String why) {
        Log.warnf("Layout %s is rendered whole for each reader: %s", layout.name(), why);
        return UNUSABLE;
    }

    /** Cuts a render at its markers; null when a marker is cut or the text holds one that is not the layout's. */
    private static Split split(String rendered, String nonce, int count) {
        List<String> segments = new ArrayList<>();
        List<Integer> slots = new ArrayList<>();
        int from = 0;
        int length = 0;
        for (int at = rendered.indexOf('\uE000'); at >= 0; at = rendered.indexOf('\uE000', from)) {
            int end = rendered.indexOf('\uE001', at);
            if (end < 0 || end != at + 1 + nonce.length() + 1 || !rendered.startsWith(nonce, at + 1)) {
                return null;
            }
            int slot = rendered.charAt(end - 1) - '0';
            if (slot < 0 || slot >= count) {
                return null;
            }
            segments.add(rendered.substring(from, at));
            length += at - from;
            slots.add(slot);
            from = end + 1;
        }
        if (rendered.indexOf('\uE001', from) >= 0) {
            return null;
        }
        segments.add(rendered.substring(from));
        length += rendered.length() - from;
        return new Split(segments.toArray(String[]::new), slots.stream().mapToInt(Integer::intValue).toArray(), length);
    }

    /**
     * Whether every use of a reader's value in the template is one the slots render exactly: the
     * value written out as it is, or alone as an {@code #if} condition, in a template with no
     * sections but #if, #for and #each and no parameter declarations. Counts every expression that
     * names a reader's value, wherever Qute keeps it, against the uses found in those two places.
     */
    static boolean fits(Template template) {
        if (!template.getParameterDeclarations().isEmpty()) {
            return false;
        }
        int named = 0;
        for (Expression e : template.getExpressions()) {
            named += namings(e);
        }
        int[] allowed = { 0 };
        boolean[] ok = { true };
        for (TemplateNode node : template.getNodes()) {
            walk(node, allowed, ok);
        }
        return ok[0] && named == allowed[0];
    }

    private static void walk(TemplateNode node, int[] allowed, boolean[] ok) {
        if (node.isExpression()) {
            for (Expression e : node.getExpressions()) {
                if (isReaderValue(e)) {
                    allowed[0]++;
                }
            }
        } else if (node.isSection()) {
            SectionNode section = node.asSection();
            if (!SECTIONS.contains(section.getName())) {
                ok[0] = false;
                return;
            }
            for (SectionBlock block : section.getBlocks()) {
                if ("if".equals(section.getName()) && block.expressions.size() == 1 && block.parameters.size() == 1) {
                    Expression e = block.expressions.values().iterator().next();
                    if (isReaderValue(e) && e.toOriginalString().equals(block.parameters.values().iterator().next())) {
                        allowed[0]++;
                    }
                }
                if (block.nodes != null) {
                    for (TemplateNode child : block.nodes) {
                        walk(child, allowed, ok);
                    }
                }
            }
        }
    }

    /** Expressions naming a reader's value in {@code e}, its parts' parameters included. */
    private static int namings(Expression e) {
        int n = startsWithReaderValue(e) ? 1 : 0;
        for (Expression.Part part : e.getParts()) {
            if (part.isVirtualMethod()) {
                for (Expression p : part.asVirtualMethod().getParameters()) {
                    n += namings(p);
                }
            }
        }
        return n;
    }

    private static boolean startsWithReaderValue(Expression e) {
        if (e.isLiteral() || e.getParts().isEmpty() || e.hasNamespace() && !"data".equals(e.getNamespace())) {
            return false;
        }
        String first = e.getParts().get(0).getName();
        return PATHS.stream().anyMatch(p -> p.get(0).equals(first));
    }

    /** Exactly one of the reader's values, nothing applied to it. */
    private static boolean isReaderValue(Expression e) {
        if (e.isLiteral() || e.hasNamespace() || e.getParts().stream().anyMatch(Expression.Part::isVirtualMethod)) {
            return false;
        }
        List<String> names = e.getParts().stream().map(Expression.Part::getName).toList();
        return PATHS.contains(names);
    }
}
