package dev.valjean.issue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.mail.LayoutStore;
import dev.valjean.newsletter.Cadence;
import dev.valjean.newsletter.Newsletter;
import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * An issue's layout rendered once with the reader's values as slots must give, for every reader,
 * exactly what rendering the whole layout for that reader gives; a layout that uses a reader's
 * value in any other way than written out or alone as an #if condition is rendered whole.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class ReaderSlotsTest {

    @Inject
    LayoutStore layouts;

    @Inject
    IssueService issues;

    @Inject
    TestData data;

    Map<String, Object> base;

    @BeforeEach
    void setUp() throws Exception {
        data.reset();
        Newsletter n = new Newsletter();
        n.slug = "slots";
        n.name = "The Slots <Letter> & Co";
        n.description = "Notes.";
        n.cadence = Cadence.WEEKLY;
        n.senderName = "Sender";
        n.senderAddress = "sender@example.com";
        n.postalAddress = "1 Example Street, Example Town";
        Issue issue = new Issue();
        issue.id = 41L;
        issue.subject = "Three \"short\" things";
        issue.preheader = "Briefly, O'Neil";
        issue.items = IssueContent.toJson(List.of(new IssueContent.Item("First <one>", "A **bold** claim & a [link](https://example.com/a?b=1&c=2).",
                "https://example.com/first?x=1&y=2"), new IssueContent.Item("Second", "Plain words, with accents: café, naïve.", null)));
        base = issues.baseData(issue, n);
    }

    @Test
    void the_shipped_layout_renders_every_reader_exactly_as_a_whole_render_does() {
        LayoutStore.Layout layout = layouts.load("default");
        ReaderSlots slots = ReaderSlots.of(layouts, layout, base).orElseThrow(() -> new AssertionError("the shipped layout must fit the slots"));
        int checked = 0;
        for (String[] reader : readers()) {
            Optional<ReaderSlots.Filled> fast = slots.render(reader[0], reader[1], reader[2]);
            assertTrue(fast.isPresent(), "the slots were refused for " + String.join(" | ", reader));
            Map<String, Object> whole = IssueService.personal(base, reader[0], reader[1], reader[2]);
            assertEquals(layouts.render(layout, "html", whole), fast.get().html(), "HTML for " + reader[0]);
            assertEquals(layouts.render(layout, "txt", whole), fast.get().text(), "text for " + reader[0]);
            checked++;
        }
        assertTrue(checked > 300);
    }

    @Test
    void a_layout_using_the_name_only_in_if_and_else_renders_both_ways() {
        LayoutStore.Layout layout = layouts.parse("branches", """
                <p>{#if subscriber.name}Dear {subscriber.name}{#else}Dear reader{/if}, {subject}</p>
                {#for item in items}<h2>{item.title}</h2>{/for}
                <a href="{unsubscribeUrl}">leave</a> <a href="{preferencesUrl}">choose</a> {postalAddress}""", """
                {#if subscriber.name}Dear {subscriber.name}{#else}Dear reader{/if}
                {unsubscribeUrl} {preferencesUrl} {postalAddress}""");
        ReaderSlots slots = ReaderSlots.of(layouts, layout, base).orElseThrow();
        for (String name : new String[] { "Ann", "", null, "<i>Bo</i>", "Ann" }) {
            ReaderSlots.Filled fast = slots.render(name, "https://x.test/u/1", "https://x.test/p/1").orElseThrow();
            Map<String, Object> whole = IssueService.personal(base, name, "https://x.test/u/1", "https://x.test/p/1");
            assertEquals(layouts.render(layout, "html", whole), fast.html());
            assertEquals(layouts.render(layout, "txt", whole), fast.text());
        }
        assertTrue(slots.render("", "https://x.test/u/1", "https://x.test/p/1").orElseThrow().html().contains("Dear reader,"));
    }

    @Test
    void a_layout_that_does_more_with_a_reader_value_is_rendered_whole() {
        String links = " {unsubscribeUrl} {preferencesUrl} {postalAddress}";
        List<String> refused = List.of(
                "{#if subscriber.name == 'Bob'}Hi Bob{/if}",
                "{#if subscriber.name is 'Bob'}Hi Bob{/if}",
                "{subscriber.name.toUpperCase}",
                "{subscriber.name.length}",
                "{subscriber.name ?: 'friend'}",
                "{subscriber}",
                "{data:subscriber.name}",
                "{#let who=subscriber.name}{who}{/let}",
                "{#for c in subscriber.name}{c}{/for}",
                "{#with subscriber}{name}{/with}",
                "{subject.replace('Three', subscriber.name)}",
                "{#if unsubscribeUrl.contains('x')}x{/if}",
                "{#if !subscriber.name}none{/if}");
        for (String use : refused) {
            LayoutStore.Layout html = layouts.parse("refused", "<p>" + use + "</p>" + links, "{subscriber.name}" + links);
            assertTrue(ReaderSlots.of(layouts, html, base).isEmpty(), "HTML variant: " + use);
            LayoutStore.Layout text = layouts.parse("refused", "<p>{subscriber.name}</p>" + links, use + links);
            assertTrue(ReaderSlots.of(layouts, text, base).isEmpty(), "text variant: " + use);
        }
    }

    @Test
    void issue_content_holding_the_marker_characters_is_rendered_whole() {
        Newsletter n = new Newsletter();
        n.slug = "odd";
        n.name = "Odd \uE000 letter \uE001";
        n.cadence = Cadence.WEEKLY;
        n.postalAddress = "1 Example Street";
        Issue issue = new Issue();
        issue.id = 42L;
        issue.subject = "Odd";
        issue.items = IssueContent.toJson(List.of(new IssueContent.Item("Odd", "Body", null)));
        Map<String, Object> odd = issues.baseData(issue, n);
        LayoutStore.Layout layout = layouts.load("default");
        ReaderSlots slots = ReaderSlots.of(layouts, layout, odd).orElseThrow();
        assertTrue(slots.render("Ann", "https://x.test/u/1", "https://x.test/p/1").isEmpty(),
                "a render whose shared text holds the marker characters must not be cut at them");
    }

    /** Names and links with markup, quotes, ampersands, accents, braces, the marker characters, empty and missing. */
    static List<String[]> readers() {
        List<String[]> readers = new ArrayList<>();
        String[] names = { "Ann", "", null, "Zoë O'Neil", "<script>alert(1)</script>", "A & B \"quoted\"", "{subscriber.name}",
                "\uE000deadbeef0\uE001", "  spaced  ", "名前", "emoji \uD83D\uDE00", "x".repeat(300) };
        for (String name : names) {
            readers.add(new String[] { name, "https://news.valjean.test/unsubscribe/abc.def", "https://news.valjean.test/preferences/ghi" });
        }
        readers.add(new String[] { "Ann", "https://x.test/u?a=1&b='2'", "https://x.test/p?<q>" });
        Random random = new Random(15);
        String pool = "abcXYZ <>&\"'{}#\\/=é\u00a0\u2028\uE000\uE001\n\t0123";
        for (int i = 0; i < 300; i++) {
            StringBuilder name = new StringBuilder();
            for (int k = random.nextInt(12); k > 0; k--) {
                name.append(pool.charAt(random.nextInt(pool.length())));
            }
            readers.add(new String[] { name.toString(), "https://news.valjean.test/unsubscribe/" + i + (i % 7 == 0 ? "?x=1&y=2" : ""),
                    "https://news.valjean.test/preferences/" + i });
        }
        return readers;
    }
}
