package dev.valjean.issue;

import java.net.URI;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.FieldErrors;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.newsletter.Newsletter;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * The issue editor (one to three items, live preview, counters against the newsletter's limits),
 * test sends, the send confirmation with the cadence rule, and live progress. Every rule is the
 * {@link IssueService}'s, as for the API.
 */
@Path("/console")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR })
@Produces(MediaType.TEXT_HTML)
public class IssuePages {

    /** One item slot of the editor, with its counters. */
    public record ItemForm(int index, String title, String body, String url, int titleCount, int bodyCount, String titleError,
            String bodyError, String urlError) {

        ItemForm(int index, String title, String body, String url, int titleCount, int bodyCount) {
            this(index, title, body, url, titleCount, bodyCount, null, null, null);
        }

        public int number() {
            return index + 1;
        }
    }

    /** What the editor's form holds. */
    public record EditorForm(String subject, String preheader, String layout, List<ItemForm> items, int subjectCount, int preheaderCount) {

        public boolean canAdd() {
            return items.size() < IssueContent.MAX_ITEMS;
        }

        public boolean canRemove() {
            return items.size() > 1;
        }

        public int preheaderMax() {
            return IssueContent.PREHEADER_MAX;
        }

        /** The same form with each item's errors beside its fields. */
        EditorForm withErrors(FieldErrors errors) {
            List<ItemForm> marked = items.stream().map(i -> new ItemForm(i.index(), i.title(), i.body(), i.url(), i.titleCount(), i.bodyCount(),
                    errors.get("title-" + i.index()), errors.get("body-" + i.index()), errors.get("url-" + i.index()))).toList();
            return new EditorForm(subject, preheader, layout, marked, subjectCount, preheaderCount);
        }
    }

    /** The send confirmation's facts. */
    public record SendFacts(long recipients, String cadenceConflict) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance editor(Frame frame, Newsletter newsletter, Issue issue, EditorForm form, FieldErrors errors,
                IssueService.Preview preview, String previewError, String notice, String me, boolean oob);

        static native TemplateInstance editor$preview(Newsletter newsletter, EditorForm form, IssueService.Preview preview, String previewError,
                boolean oob);

        static native TemplateInstance send(Frame frame, Newsletter newsletter, Issue issue, SendFacts facts, FieldErrors errors, String reason,
                String when, String at);

        static native TemplateInstance progress(Frame frame, Newsletter newsletter, Issue issue, IssueService.Progress progress, String archive,
                IssueBreaker.Rates rates, boolean admin);

        static native TemplateInstance progress$figures(Issue issue, IssueService.Progress progress, String archive);
    }

    @Inject
    IssueService issues;
    @Inject
    Frames frames;
    @Inject
    Caller caller;
    @Inject
    IssueBreaker breaker;

    @GET
    @Path("newsletters/{slug}/issues/new")
    public TemplateInstance newIssue(@PathParam("slug") String slug) {
        Newsletter n = newsletterOr404(slug);
        EditorForm form = form(n, "", "", "default", List.of(""), List.of(""), List.of(""));
        return editor(n, null, form, FieldErrors.NONE, null);
    }

    @POST
    @Path("newsletters/{slug}/issues")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@PathParam("slug") String slug, @RestForm String subject, @RestForm String preheader, @RestForm String layout,
            @RestForm("title") List<String> titles, @RestForm("body") List<String> bodies, @RestForm("url") List<String> urls,
            @RestForm String action) {
        Newsletter n = newsletterOr404(slug);
        EditorForm form = rearranged(form(n, subject, preheader, layout, titles, bodies, urls), n, action);
        if (!"save".equals(action)) {
            return PageResponse.of(200, editor(n, null, form, FieldErrors.NONE, null));
        }
        try {
            Issue created = issues.create(slug, draft(form));
            return Response.seeOther(URI.create("/console/issues/" + created.id + "?done=saved")).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, editor(n, null, form, errors(e), null));
        }
    }

    @GET
    @Path("issues/{id}")
    public TemplateInstance issue(@PathParam("id") long id, @QueryParam("done") String done) {
        Issue issue = issueOr404(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        if (issue.status != IssueStatus.DRAFT && issue.status != IssueStatus.SCHEDULED) {
            return Templates.progress(frame(n, issue, "Progress"), n, issue, issues.progress(issue), archive(n, issue), breaker.rates(id),
                    caller.role() == Role.ADMIN);
        }
        List<IssueContent.Item> items = IssueContent.fromJson(issue.items);
        EditorForm form = form(n, issue.subject, issue.preheader, issue.layout, items.stream().map(IssueContent.Item::title).toList(),
                items.stream().map(IssueContent.Item::body).toList(), items.stream().map(i -> i.url() == null ? "" : i.url()).toList());
        return editor(n, issue, form, FieldErrors.NONE, notice(done));
    }

    @POST
    @Path("issues/{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response change(@PathParam("id") long id, @RestForm String subject, @RestForm String preheader, @RestForm String layout,
            @RestForm("title") List<String> titles, @RestForm("body") List<String> bodies, @RestForm("url") List<String> urls,
            @RestForm String action) {
        Issue issue = issueOr404(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        EditorForm form = rearranged(form(n, subject, preheader, layout, titles, bodies, urls), n, action);
        if (!"save".equals(action)) {
            return PageResponse.of(200, editor(n, issue, form, FieldErrors.NONE, null));
        }
        try {
            issues.change(id, draft(form));
            return Response.seeOther(URI.create("/console/issues/" + id + "?done=saved")).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, editor(n, issue, form, errors(e), null));
        }
    }

    /** The live preview (an htmx fragment), rendered from the form as typed, with the counters swapped in beside the fields. */
    @POST
    @Path("newsletters/{slug}/preview")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public TemplateInstance preview(@PathParam("slug") String slug, @RestForm String subject, @RestForm String preheader,
            @RestForm String layout, @RestForm("title") List<String> titles, @RestForm("body") List<String> bodies,
            @RestForm("url") List<String> urls) {
        Newsletter n = newsletterOr404(slug);
        EditorForm form = form(n, subject, preheader, layout, titles, bodies, urls);
        IssueService.Preview preview = null;
        String error = null;
        try {
            preview = issues.previewDraft(slug, draft(form));
        } catch (ValjeanException e) {
            error = e.getMessage();
        }
        return Templates.editor$preview(n, form, preview, error, true);
    }

    @POST
    @Path("issues/{id}/test")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response test(@PathParam("id") long id, @RestForm String to) {
        Issue issue = issueOr404(id);
        List<String> addresses = to == null ? List.of() : Arrays.stream(to.split("[,;\\s]+")).filter(s -> !s.isBlank()).toList();
        try {
            issues.sendTests(id, addresses, caller.personId());
            return Response.seeOther(URI.create("/console/issues/" + id + "?done=test")).build();
        } catch (ValjeanException e) {
            Newsletter n = Newsletter.findById(issue.newsletterId);
            List<IssueContent.Item> items = IssueContent.fromJson(issue.items);
            EditorForm form = form(n, issue.subject, issue.preheader, issue.layout, items.stream().map(IssueContent.Item::title).toList(),
                    items.stream().map(IssueContent.Item::body).toList(), items.stream().map(i -> i.url() == null ? "" : i.url()).toList());
            FieldErrors errors = errors(e);
            if (!errors.has("to")) {
                errors = new FieldErrors(java.util.Map.of("to", e.getMessage()), null);
            }
            return PageResponse.of(e.status, editor(n, issue, form, errors, null));
        }
    }

    @GET
    @Path("issues/{id}/send")
    public TemplateInstance sendPage(@PathParam("id") long id) {
        Issue issue = issueOr404(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        return Templates.send(frame(n, issue, "Send"), n, issue, facts(issue, issues.clockNow()), FieldErrors.NONE, "", "now", "");
    }

    @POST
    @Path("issues/{id}/send")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response send(@PathParam("id") long id, @RestForm String when, @RestForm String at, @RestForm String reason) {
        Issue issue = issueOr404(id);
        Newsletter n = Newsletter.findById(issue.newsletterId);
        Instant moment = issues.clockNow();
        try {
            if ("later".equals(when)) {
                moment = parseUtc(at);
                issues.schedule(id, moment, reason);
            } else {
                issues.sendNow(id, reason);
            }
            return Response.seeOther(URI.create("/console/issues/" + id + ("later".equals(when) ? "?done=scheduled" : ""))).build();
        } catch (ValjeanException e) {
            FieldErrors errors = "CADENCE_TOO_SOON".equals(e.code)
                    ? new FieldErrors(java.util.Map.of("reason", "Say why this issue cannot wait; the reason is recorded."), null)
                    : errors(e);
            return PageResponse.of(e.status, Templates.send(frame(n, issue, "Send"), n, issue, facts(issue, moment), errors, reason, when, at));
        }
    }

    @POST
    @Path("issues/{id}/cancel")
    public Response cancel(@PathParam("id") long id) {
        issueOr404(id);
        if (breaker.isPaused(id)) {
            admin();
            breaker.cancel(id);
        } else {
            issues.cancel(id);
        }
        return Response.seeOther(URI.create("/console/issues/" + id)).build();
    }

    /** An admin resumes an issue its circuit breaker paused. */
    @POST
    @Path("issues/{id}/resume")
    public Response resume(@PathParam("id") long id) {
        issueOr404(id);
        admin();
        if (breaker.isPaused(id)) {
            breaker.resume(id);
        }
        return Response.seeOther(URI.create("/console/issues/" + id)).build();
    }

    private void admin() {
        if (caller.role() != Role.ADMIN) {
            throw new dev.valjean.auth.ConsoleAccess(dev.valjean.auth.ConsoleAccess.Kind.FORBIDDEN, "/console/issues",
                    "Only an admin resumes or cancels an issue that paused itself.");
        }
    }

    /** The progress figures (an htmx fragment, polled every 2 s while the issue sends). */
    @GET
    @Path("issues/{id}/progress")
    public TemplateInstance progressFigures(@PathParam("id") long id) {
        Issue issue = issueOr404(id);
        return Templates.progress$figures(issue, issues.progress(issue), archive(Newsletter.findById(issue.newsletterId), issue));
    }

    private TemplateInstance editor(Newsletter n, Issue issue, EditorForm form, FieldErrors errors, String notice) {
        IssueService.Preview preview = null;
        String previewError = null;
        try {
            preview = issues.previewDraft(n.slug, draft(form));
        } catch (ValjeanException e) {
            previewError = e.getMessage();
        }
        Frame frame = issue == null ? frames.of("New issue", "newsletters", "Newsletters", "/console", n.name, "/console/newsletters/" + n.slug,
                "New issue") : frame(n, issue, "Edit");
        return Templates.editor(frame, n, issue, form.withErrors(errors), errors, preview, previewError, notice, caller.email(), false);
    }

    private Frame frame(Newsletter n, Issue issue, String page) {
        String title = "Issue #" + issue.id + " (" + issue.status.name().toLowerCase() + ")";
        return frames.of(title, "newsletters", "Newsletters", "/console", n.name, "/console/newsletters/" + n.slug, title);
    }

    private static String archive(Newsletter n, Issue issue) {
        return issue.status == IssueStatus.SENT || issue.status == IssueStatus.SENDING ? "/archive/" + n.slug + "/" + issue.id : null;
    }

    private SendFacts facts(Issue issue, Instant at) {
        return new SendFacts(issues.confirmedSubscribers(issue.newsletterId), issues.cadenceConflict(issue.id, at).orElse(null));
    }

    private static EditorForm form(Newsletter n, String subject, String preheader, String layout, List<String> titles, List<String> bodies,
            List<String> urls) {
        int count = Math.max(1, Math.min(IssueContent.MAX_ITEMS, Math.max(size(titles), Math.max(size(bodies), size(urls)))));
        List<ItemForm> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String title = at(titles, i);
            String body = at(bodies, i);
            items.add(new ItemForm(i, title, body, at(urls, i), IssueContent.measure(title), IssueContent.measure(body)));
        }
        return new EditorForm(subject == null ? "" : subject, preheader == null ? "" : preheader,
                layout == null || layout.isBlank() ? "default" : layout, items, IssueContent.measure(subject), IssueContent.measure(preheader));
    }

    /** "Add an item" and "Remove item N" change the slots without saving; the limits of one to three hold here too. */
    private static EditorForm rearranged(EditorForm form, Newsletter n, String action) {
        List<ItemForm> items = new ArrayList<>(form.items());
        if ("add".equals(action) && form.canAdd()) {
            items.add(new ItemForm(items.size(), "", "", "", 0, 0));
        } else if (action != null && action.startsWith("remove-") && form.canRemove()) {
            try {
                int index = Integer.parseInt(action.substring(7));
                if (index >= 0 && index < items.size()) {
                    items.remove(index);
                }
            } catch (NumberFormatException e) {
                // an unknown button: nothing to remove
            }
            List<ItemForm> renumbered = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                ItemForm item = items.get(i);
                renumbered.add(new ItemForm(i, item.title(), item.body(), item.url(), item.titleCount(), item.bodyCount()));
            }
            items = renumbered;
        }
        return new EditorForm(form.subject(), form.preheader(), form.layout(), items, form.subjectCount(), form.preheaderCount());
    }

    private static IssueService.Draft draft(EditorForm form) {
        return new IssueService.Draft(form.subject(), form.preheader(), form.layout(),
                form.items().stream().map(i -> new IssueContent.Item(i.title(), i.body(), i.url() == null || i.url().isBlank() ? null : i.url()))
                        .toList());
    }

    /** The service's field names ("items[1].body") as the form's ("body-1"). */
    private static FieldErrors errors(ValjeanException e) {
        FieldErrors raw = FieldErrors.of(e);
        java.util.Map<String, String> byField = new java.util.LinkedHashMap<>();
        raw.byField().forEach((field, message) -> byField.put(field.replaceAll("^items\\[(\\d+)\\]\\.(\\w+)$", "$2-$1"), message));
        return new FieldErrors(byField, raw.general());
    }

    private static String notice(String done) {
        if (done == null) {
            return null;
        }
        return switch (done) {
            case "saved" -> "Draft saved.";
            case "test" -> "Test sent. It arrives marked [Test] in a minute or so.";
            case "scheduled" -> "Scheduled.";
            default -> null;
        };
    }

    private static Instant parseUtc(String at) {
        try {
            return LocalDateTime.parse(at == null ? "" : at).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw ValjeanException.field("SCHEDULE_TIME_INVALID", "at", "Pick a date and time.");
        }
    }

    static Newsletter newsletterOr404(String slug) {
        return Newsletter.findBySlug(slug).orElseThrow(() -> new WebApplicationException(404));
    }

    private Issue issueOr404(long id) {
        return Optional.ofNullable(Issue.<Issue> findById(id)).orElseThrow(() -> new WebApplicationException(404));
    }


    private static int size(List<String> values) {
        return values == null ? 0 : values.size();
    }

    private static String at(List<String> values, int i) {
        return values != null && i < values.size() && values.get(i) != null ? values.get(i) : "";
    }
}
