package dev.valjean.mail;

import org.commonmark.node.Node;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.commonmark.renderer.text.TextContentRenderer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.safety.Safelist;

/**
 * Author Markdown to email-safe output. CommonMark escapes raw HTML and drops unsafe link
 * schemes; jsoup then keeps only an allow-list of tags and attributes (no scripts, no event
 * handlers, no forms, no images that could track), so nothing an author types can run.
 */
public final class Markdown {

    private static final Parser PARSER = Parser.builder().build();
    private static final HtmlRenderer HTML = HtmlRenderer.builder().escapeHtml(true).sanitizeUrls(true).build();
    private static final TextContentRenderer TEXT = TextContentRenderer.builder().build();
    private static final Safelist ALLOWED = Safelist.basic().removeTags("span").addProtocols("a", "href", "https", "http", "mailto");
    private static final Document.OutputSettings COMPACT = new Document.OutputSettings().prettyPrint(false);

    private Markdown() {
    }

    public static String html(String markdown) {
        Node document = PARSER.parse(markdown == null ? "" : markdown);
        return Jsoup.clean(HTML.render(document), "", ALLOWED, COMPACT);
    }

    public static String text(String markdown) {
        return TEXT.render(PARSER.parse(markdown == null ? "" : markdown)).strip();
    }
}
