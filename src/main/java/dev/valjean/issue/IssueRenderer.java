package dev.valjean.issue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.ValjeanException;
import dev.valjean.delivery.ContentRenderer;
import dev.valjean.delivery.InstanceNotReady;
import dev.valjean.delivery.OutboxRepository;
import dev.valjean.delivery.OutboxService;
import dev.valjean.mail.LayoutStore;
import dev.valjean.mail.Links;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Renders one issue message for one reader at send time: the issue's layout with the reader's
 * name and their own unsubscribe and preference links. No tracking pixel, no rewritten links.
 * The issue, its newsletter and its parsed layout are prepared once per issue and reused; where
 * the layout allows it ({@link ReaderSlots}), so is its render, and each reader's values are put
 * into it.
 */
@ApplicationScoped
public class IssueRenderer implements ContentRenderer {

    private record Prepared(String subject, Headers headers, Map<String, Object> base, LayoutStore.Layout layout,
            Optional<ReaderSlots> slots) {
    }

    private static final int CACHED_ISSUES = 16;

    private final IssueService issues;
    private final LayoutStore layouts;
    private final Links links;
    private final Map<Long, Prepared> prepared = java.util.Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Prepared> eldest) {
            return size() > CACHED_ISSUES;
        }
    });

    public IssueRenderer(IssueService issues, LayoutStore layouts, Links links) {
        this.issues = issues;
        this.layouts = layouts;
        this.links = links;
    }

    /** Forgets prepared issues (ids never repeat in a database; a test reset makes them). */
    public void clear() {
        prepared.clear();
    }

    @Override
    public String prefix() {
        return "issue";
    }

    @Override
    public Headers headers(String contentRef) {
        return prepared(contentRef).headers();
    }

    @Override
    public Rendered render(String contentRef, OutboxRepository.Claimed row) {
        Prepared p = prepared(contentRef);
        String unsubscribe = links.unsubscribe(row.basisId());
        String preferences = links.preferences(row.contactId());
        Optional<ReaderSlots.Filled> filled = p.slots().flatMap(s -> s.render(row.name(), unsubscribe, preferences));
        if (filled.isPresent()) {
            return new Rendered(p.subject(), filled.get().text(), filled.get().html(), unsubscribe);
        }
        Map<String, Object> data = IssueService.personal(p.base(), row.name(), unsubscribe, preferences);
        return new Rendered(p.subject(), layouts.render(p.layout(), "txt", data), layouts.render(p.layout(), "html", data),
                unsubscribe);
    }

    private Prepared prepared(String contentRef) {
        long issueId = Long.parseLong(contentRef.substring(contentRef.indexOf(':') + 1));
        Prepared p = prepared.get(issueId);
        if (p == null) {
            try {
                p = QuarkusTransaction.requiringNew().call(() -> prepare(issueId));
            } catch (ValjeanException e) {
                if ("LAYOUT_NOT_FOUND".equals(e.code)) {
                    // Checked when the issue was saved, so it is this instance's layouts folder that lacks it.
                    throw new InstanceNotReady(e.getMessage());
                }
                throw e;
            }
            prepared.put(issueId, p);
        }
        return p;
    }

    private Prepared prepare(long issueId) {
        Issue issue = issues.find(issueId);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        Map<String, Object> base = issues.baseData(issue, n);
        LayoutStore.Layout layout = issue.layoutVersionId != null ? layouts.version(issue.layoutVersionId) : layouts.load(issue.layout);
        // An issue started before V31 has no headers of its own; its rows carry them, and they are preferred.
        Headers headers = new Headers(issue.sender != null ? issue.sender : n.fromHeader(),
                issue.listId != null ? issue.listId : OutboxService.listIdHeader(IssueService.listId(links, n), n.name));
        return new Prepared(issue.subject, headers, base, layout, ReaderSlots.of(layouts, layout, base));
    }
}
