package dev.valjean.nurture;

import java.net.URI;
import java.util.List;
import java.util.Map;

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

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.crm.CrmService;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/** Sales: the deals from the CRM, and a deal with its buying committee and each person's sequences, step by step. */
@Path("/console/deals")
@ConsolePage
@Authorized({ Role.ADMIN, Role.SALES })
@Produces(MediaType.TEXT_HTML)
public class DealPages {

    /** The list's filter as chosen. */
    public record Filter(boolean mine, String account, boolean closed) {
    }

    /** A committee member with the enrollments they are (or were) in, and the sequences they could be enrolled in. */
    public record Member(CrmService.MemberView person, List<NurtureService.EnrollmentView> enrollments, List<Choice> choices) {
    }

    /** A sequence for one person: a button when the rules allow it, else the reason in words. */
    public record Choice(long sequence, String name, String whyNot) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance deals(Frame frame, List<CrmService.DealLine> deals, Filter filter);

        static native TemplateInstance deal(Frame frame, CrmService.OpportunityView deal, List<Member> members, String base, String notice,
                String error);
    }

    @Inject
    CrmService crm;
    @Inject
    NurtureService nurture;
    @Inject
    Frames frames;
    @Inject
    Caller caller;

    @GET
    public TemplateInstance list(@QueryParam("mine") boolean mine, @QueryParam("account") String account, @QueryParam("closed") boolean closed) {
        String accountFilter = account == null || account.isBlank() ? null : account.strip();
        return Templates.deals(frames.of("Deals", "deals", "Deals"), crm.deals(mine ? caller.email() : null, accountFilter, closed, 100),
                new Filter(mine, accountFilter, closed));
    }

    @GET
    @Path("{externalId}")
    public TemplateInstance deal(@PathParam("externalId") String externalId, @QueryParam("enrolled") String enrolled,
            @QueryParam("stopped") Long stopped) {
        return page(externalId, notice(enrolled, stopped), null);
    }

    /** Enrolls one committee member in one sequence (one person at a time, as in the API); the rules are the service's. */
    @POST
    @Path("{externalId}/enroll")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response enroll(@PathParam("externalId") String externalId, @RestForm long sequence, @RestForm String email) {
        try {
            nurture.enroll(sequence, email, externalId, caller.tokenId());
            return Response.seeOther(URI.create("/console/deals/" + externalId + "?enrolled="
                    + java.net.URLEncoder.encode(email == null ? "" : email, java.nio.charset.StandardCharsets.UTF_8))).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(externalId, null, e.getMessage()));
        }
    }

    /** Stops one enrollment on this deal (audited); steps already queued are skipped by the consent gate. */
    @POST
    @Path("{externalId}/enrollments/{id}/stop")
    public Response stop(@PathParam("externalId") String externalId, @PathParam("id") long id) {
        boolean onThisDeal = nurture.enrollments(externalId, null).stream().anyMatch(e -> e.id() == id);
        if (!onThisDeal) {
            throw dev.valjean.auth.ConsoleAccess.notFound("This deal.");
        }
        nurture.stop(id);
        return Response.seeOther(URI.create("/console/deals/" + externalId + "?stopped=" + id)).build();
    }

    /** Each person with their enrollments and, per sequence, a button or the reason the rules give (computed for everyone at once). */
    static List<Member> members(List<CrmService.MemberView> people, List<NurtureService.EnrollmentView> enrollments,
            List<NurtureService.SequenceLine> sequences, Map<Long, Map<String, String>> whyNot) {
        return people.stream()
                .map(m -> new Member(m, enrollments.stream().filter(e -> m.email().equalsIgnoreCase(e.email())).toList(),
                        sequences.stream().map(q -> new Choice(q.id(), q.name(), whyNot.getOrDefault(q.id(), Map.of()).get(m.email()))).toList()))
                .toList();
    }

    /** What the page says after an enrollment or a stop. */
    static String notice(String enrolled, Long stopped) {
        return enrolled != null && enrolled.length() <= 320 ? enrolled + " is enrolled; the first step is in the timeline."
                : stopped != null ? "Stopped: no further step of that sequence goes out." : null;
    }

    private TemplateInstance page(String externalId, String notice, String error) {
        CrmService.OpportunityView deal = crm.opportunity(externalId).orElseThrow(() -> dev.valjean.auth.ConsoleAccess.notFound("This deal."));
        List<NurtureService.EnrollmentView> enrollments = nurture.enrollments(externalId, null);
        List<NurtureService.SequenceLine> sequences = "OPEN".equals(deal.status()) ? nurture.sequences(SequencePurpose.SALES_ACCELERATION)
                : List.of();
        List<String> emails = deal.contacts().stream().map(CrmService.MemberView::email).toList();
        List<Member> members = members(deal.contacts(), enrollments, sequences, emails.isEmpty() ? Map.of()
                : sequences.stream().collect(java.util.stream.Collectors.toMap(NurtureService.SequenceLine::id,
                        q -> nurture.whyNot(q.id(), emails, externalId))));
        return Templates.deal(frames.of(deal.name(), "deals", "Deals", "/console/deals", deal.name()), deal, members,
                "/console/deals/" + java.net.URLEncoder.encode(externalId, java.nio.charset.StandardCharsets.UTF_8), notice, error);
    }
}
