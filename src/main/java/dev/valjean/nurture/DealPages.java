package dev.valjean.nurture;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
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

    /** A committee member with the enrollments they are (or were) in. */
    public record Member(CrmService.MemberView person, List<NurtureService.EnrollmentView> enrollments) {
    }

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance deals(Frame frame, List<CrmService.DealLine> deals, Filter filter);

        static native TemplateInstance deal(Frame frame, CrmService.OpportunityView deal, List<Member> members);
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
    public TemplateInstance deal(@PathParam("externalId") String externalId) {
        CrmService.OpportunityView deal = crm.opportunity(externalId).orElseThrow(() -> new WebApplicationException(404));
        List<NurtureService.EnrollmentView> enrollments = nurture.enrollments(externalId, null);
        List<Member> members = deal.contacts().stream()
                .map(m -> new Member(m, enrollments.stream().filter(e -> m.email().equalsIgnoreCase(e.email())).toList())).toList();
        return Templates.deal(frames.of(deal.name(), "deals", "Deals", "/console/deals", deal.name()), deal, members);
    }
}
