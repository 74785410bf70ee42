package dev.valjean.bounce;

import java.util.List;
import java.util.Locale;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsoleAccess;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** The bounce log for admins: what each report said about whom and what was done, and the reports nobody could be found for. */
@Path("/console/bounces")
@ConsolePage
@Authorized(Role.ADMIN)
@Produces(MediaType.TEXT_HTML)
public class BouncePages {

    /** The log's filter as chosen. */
    public record Filter(String bounceClass, Long issue, String email) {
    }

    /** A log line with its reason in words. */
    public record Line(BounceService.EventLine e, String reasonWords) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance bounces(Frame frame, List<Line> events, Filter filter, List<BounceService.ReportLine> kept, Long next);
    }

    static final int PAGE = 100;

    @Inject
    BounceService bounces;
    @Inject
    Frames frames;

    @GET
    public TemplateInstance log(@QueryParam("class") String bounceClass, @QueryParam("issue") Long issue, @QueryParam("email") String email,
            @QueryParam("before") Long before) {
        String c = bounceClass == null || bounceClass.isBlank() ? null : bounceClass.strip().toUpperCase(Locale.ROOT);
        if (c != null && !List.of("HARD", "SOFT", "COMPLAINT", "OTHER", "DELIVERED").contains(c)) {
            c = null;
        }
        String address = email == null || email.isBlank() || email.length() > 320 ? null : email.strip();
        List<Line> events = bounces.events(c, issue, address, before, PAGE).stream().map(e -> new Line(e, words(e.reason()))).toList();
        Long next = events.size() == PAGE ? events.get(events.size() - 1).e().id() : null;
        List<BounceService.ReportLine> kept = bounces.reports("UNATTRIBUTED", null, 50);
        List<BounceService.ReportLine> unreadable = bounces.reports("UNREADABLE", null, 50);
        List<BounceService.ReportLine> all = new java.util.ArrayList<>(kept);
        all.addAll(unreadable);
        all.sort((a, b) -> Long.compare(b.id(), a.id()));
        return Templates.bounces(frames.of("Bounces", "bounces", "Bounces"), events, new Filter(c == null ? "" : c.toLowerCase(Locale.ROOT),
                issue, address == null ? "" : address), all, next);
    }

    /** A kept report as it was received, to read in the browser (as text: never rendered as HTML). */
    @GET
    @Path("reports/{id}")
    @Produces(MediaType.TEXT_PLAIN)
    public Response report(@PathParam("id") long id) {
        byte[] raw = bounces.raw(id).orElseThrow(() -> ConsoleAccess.notFound("This report."));
        return Response.ok(raw, "text/plain; charset=utf-8").header("Content-Disposition", "inline; filename=\"report-" + id + ".eml\"")
                .header("X-Content-Type-Options", "nosniff").build();
    }

    static String words(String reason) {
        try {
            return BounceReason.valueOf(reason.toUpperCase(Locale.ROOT)).words();
        } catch (IllegalArgumentException | NullPointerException e) {
            return reason;
        }
    }
}
