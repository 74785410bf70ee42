package dev.valjean.nurture;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.ConsoleAccess;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.FieldErrors;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.crm.CrmService;
import dev.valjean.mail.LayoutStore;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * Sequences: create and edit steps (a delay in hours or business days, subject, Markdown body,
 * layout), with the API's checks beside the fields and each step previewed for someone on a deal.
 * Adding, removing and previewing steps are form posts that store nothing; only "Save" does.
 */
@Path("/console/sequences")
@ConsolePage
@Authorized({ Role.ADMIN, Role.EDITOR, Role.SALES })
@Produces(MediaType.TEXT_HTML)
public class SequencePages {

    static final int MAX_STEPS = 20;

    /** One step as typed: the delay as text so a wrong value is shown back as it was. */
    public record StepForm(String delay, String unit, String subject, String body, String layout) {
    }

    /** The editor's content as typed. */
    public record Draft(Long id, String name, String purpose, List<StepForm> steps, String previewFor, long active) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance sequences(Frame frame, List<NurtureService.SequenceView> sequences, String saved);

        static native TemplateInstance sequence(Frame frame, Draft draft, List<String> layouts, List<CrmService.PreviewPerson> people,
                List<NurtureService.StepPreview> previews, FieldErrors errors, String notice);
    }

    @Inject
    NurtureService nurture;
    @Inject
    CrmService crm;
    @Inject
    LayoutStore layouts;
    @Inject
    Frames frames;
    @ConfigProperty(name = "valjean.smtp.from")
    String from;

    @GET
    public TemplateInstance list(@QueryParam("saved") String saved) {
        return Templates.sequences(frames.of("Sequences", "sequences", "Sequences"), nurture.allSequences(),
                saved != null && saved.length() <= 200 ? saved : null);
    }

    @GET
    @Path("new")
    public TemplateInstance create() {
        return page(new Draft(null, "", "SALES_ACCELERATION", List.of(new StepForm("0", "HOURS", "", "", "default")), null, 0), null,
                FieldErrors.NONE, null);
    }

    @GET
    @Path("{id}")
    public TemplateInstance edit(@PathParam("id") long id) {
        NurtureService.SequenceView s = nurture.sequence(id).orElseThrow(() -> ConsoleAccess.notFound("This sequence."));
        List<StepForm> steps = s.steps().stream().map(t -> new StepForm(String.valueOf(t.delayHours() != null ? t.delayHours()
                : t.delayBusinessDays()), t.delayHours() != null ? "HOURS" : "BUSINESS_DAYS", t.subject(), t.body() == null ? "" : t.body(),
                t.layout())).toList();
        return page(new Draft(id, s.name(), s.purpose().name(), steps, null, s.active()), null, FieldErrors.NONE, null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response post(@RestForm String name, @RestForm String purpose, @RestForm List<String> delay, @RestForm List<String> unit,
            @RestForm List<String> subject, @RestForm List<String> body, @RestForm List<String> layout, @RestForm String previewFor,
            @RestForm String action) {
        return act(null, name, purpose, delay, unit, subject, body, layout, previewFor, action);
    }

    @POST
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response post(@PathParam("id") long id, @RestForm String name, @RestForm List<String> delay, @RestForm List<String> unit,
            @RestForm List<String> subject, @RestForm List<String> body, @RestForm List<String> layout, @RestForm String previewFor,
            @RestForm String action) {
        NurtureService.SequenceView stored = nurture.sequence(id).orElseThrow(() -> ConsoleAccess.notFound("This sequence."));
        return act(stored, name, stored.purpose().name(), delay, unit, subject, body, layout, previewFor, action);
    }

    private Response act(NurtureService.SequenceView stored, String name, String purpose, List<String> delay, List<String> unit,
            List<String> subject, List<String> body, List<String> layout, String previewFor, String action) {
        List<StepForm> steps = new ArrayList<>();
        int n = Math.min(MAX_STEPS + 1, size(subject));
        for (int i = 0; i < n; i++) {
            steps.add(new StepForm(at(delay, i), at(unit, i), at(subject, i), at(body, i), at(layout, i)));
        }
        String what = action == null ? "save" : action;
        if ("add".equals(what) && steps.size() < MAX_STEPS) {
            steps.add(new StepForm("1", "BUSINESS_DAYS", "", "", "default"));
        } else if (what.startsWith("remove-") && steps.size() > 1) {
            int index = parse(what.substring("remove-".length()));
            if (index >= 0 && index < steps.size()) {
                steps.remove(index);
            }
        }
        Draft draft = new Draft(stored == null ? null : stored.id(), name == null ? "" : name, purpose, steps, previewFor,
                stored == null ? 0 : stored.active());
        if (!"save".equals(what) && !"preview".equals(what)) {
            return Response.ok(page(draft, null, FieldErrors.NONE, null).render()).build();
        }
        SequencePurpose chosen;
        try {
            chosen = SequencePurpose.valueOf(purpose == null ? "" : purpose);
        } catch (IllegalArgumentException e) {
            return PageResponse.of(422, page(draft, null, FieldErrors.of(ValjeanException.field("INVALID_SEQUENCE", "purpose",
                    "Choose what the sequence is for.")), null));
        }
        List<NurtureService.Step> parsed = steps.stream().map(SequencePages::step).toList();
        try {
            if ("preview".equals(what)) {
                nurture.checkSteps(parsed);
                return Response.ok(page(draft, previews(draft, chosen, parsed), FieldErrors.NONE, null).render()).build();
            }
            if (stored == null) {
                if (name == null || name.isBlank() || name.length() > 200) {
                    throw ValjeanException.field("INVALID_SEQUENCE", "name", "Name the sequence (at most 200 characters).");
                }
                long id = nurture.createSequence(name, chosen, parsed);
                return Response.seeOther(URI.create("/console/sequences?saved=" + id)).build();
            }
            nurture.changeSequence(stored.id(), name, parsed);
            return Response.seeOther(URI.create("/console/sequences?saved=" + stored.id())).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(draft, null, FieldErrors.of(e), null));
        }
    }

    private List<NurtureService.StepPreview> previews(Draft draft, SequencePurpose purpose, List<NurtureService.Step> steps) {
        CrmService.PreviewPerson person = crm.previewPeople(200).stream()
                .filter(p -> p.key().equals(draft.previewFor())).findFirst().orElse(null);
        String name = person == null ? "Alex Example" : person.name();
        String owner = person == null ? null : person.owner();
        return steps.stream().map(s -> nurture.preview(s, purpose, draft.name().isBlank() ? "This sequence" : draft.name(), name, owner, from))
                .toList();
    }

    /** A typed step as the service takes it; a delay that is not a number stays null, which the checks report beside it. */
    private static NurtureService.Step step(StepForm f) {
        Integer delay = f.delay() == null || !f.delay().strip().matches("\\d{1,5}") ? null : Integer.valueOf(f.delay().strip());
        boolean days = "BUSINESS_DAYS".equals(f.unit());
        return new NurtureService.Step(days ? null : delay, days ? delay : null, f.subject(), blankToNull(f.layout()), f.body());
    }

    private TemplateInstance page(Draft draft, List<NurtureService.StepPreview> previews, FieldErrors errors, String notice) {
        String title = draft.id() == null ? "New sequence" : draft.name();
        return Templates.sequence(frames.of(title, "sequences", "Sequences", "/console/sequences", title), draft,
                layouts.names("nurture"), crm.previewPeople(200), previews, errors, notice);
    }

    private static int size(List<String> values) {
        return values == null ? 0 : values.size();
    }

    private static String at(List<String> values, int i) {
        return values != null && i < values.size() ? values.get(i) : "";
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
