package dev.valjean.nurture;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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

import org.jboss.resteasy.reactive.RestForm;

import dev.valjean.auth.Authorized;
import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsoleAccess;
import dev.valjean.auth.ConsolePage;
import dev.valjean.auth.Role;
import dev.valjean.common.ValjeanException;
import dev.valjean.console.Frame;
import dev.valjean.console.Frames;
import dev.valjean.console.PageResponse;
import dev.valjean.crm.CrmService;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;

/**
 * An account: its deals, and its people with their sequences. Customer-success sequences are
 * started here, one person at a time, for the people of a customer account.
 */
@Path("/console/accounts")
@ConsolePage
@Authorized({ Role.ADMIN, Role.SALES })
@Produces(MediaType.TEXT_HTML)
public class AccountPages {

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance account(Frame frame, CrmService.AccountView account, List<CrmService.DealLine> deals,
                List<DealPages.Member> members, String base, String notice, String error);
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
    @Path("{externalId}")
    public TemplateInstance account(@PathParam("externalId") String externalId, @QueryParam("enrolled") String enrolled,
            @QueryParam("stopped") Long stopped) {
        return page(externalId, DealPages.notice(enrolled, stopped), null);
    }

    /** Enrolls one person of a customer account in a customer-success sequence; the rules are the service's. */
    @POST
    @Path("{externalId}/enroll")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response enroll(@PathParam("externalId") String externalId, @RestForm long sequence, @RestForm String email) {
        boolean ofThisAccount = crm.accountMembers(externalId).stream().anyMatch(m -> m.email().equalsIgnoreCase(email));
        if (!ofThisAccount) {
            return PageResponse.of(422, page(externalId, null, "This person is not on any deal of this account."));
        }
        try {
            nurture.enroll(sequence, email, null, caller.tokenId());
            return Response.seeOther(URI.create("/console/accounts/" + URLEncoder.encode(externalId, StandardCharsets.UTF_8) + "?enrolled="
                    + URLEncoder.encode(email, StandardCharsets.UTF_8))).build();
        } catch (ValjeanException e) {
            return PageResponse.of(e.status, page(externalId, null, e.getMessage()));
        }
    }

    /** Stops one enrollment of a person of this account (audited). */
    @POST
    @Path("{externalId}/enrollments/{id}/stop")
    public Response stop(@PathParam("externalId") String externalId, @PathParam("id") long id) {
        boolean ofThisAccount = nurture.enrollmentsOf(crm.accountMembers(externalId).stream().map(CrmService.MemberView::email).toList())
                .stream().anyMatch(e -> e.id() == id);
        if (!ofThisAccount) {
            throw ConsoleAccess.notFound("This enrollment.");
        }
        nurture.stop(id);
        return Response.seeOther(URI.create("/console/accounts/" + URLEncoder.encode(externalId, StandardCharsets.UTF_8) + "?stopped=" + id))
                .build();
    }

    private TemplateInstance page(String externalId, String notice, String error) {
        CrmService.AccountView account = crm.account(externalId).orElseThrow(() -> ConsoleAccess.notFound("This account."));
        List<NurtureService.SequenceLine> sequences = account.customer() ? nurture.sequences(SequencePurpose.CUSTOMER_SUCCESS) : List.of();
        List<CrmService.MemberView> people = crm.accountMembers(externalId);
        List<String> emails = people.stream().map(CrmService.MemberView::email).toList();
        List<DealPages.Member> members = DealPages.members(people, nurture.enrollmentsOf(emails), sequences, emails.isEmpty() ? java.util.Map.of()
                : sequences.stream().collect(java.util.stream.Collectors.toMap(NurtureService.SequenceLine::id, q -> nurture.whyNot(q.id(), emails, null))));
        return Templates.account(frames.of(account.name(), "deals", "Deals", "/console/deals", account.name()), account,
                crm.deals(null, externalId, true, 100), members, "/console/accounts/" + URLEncoder.encode(externalId, StandardCharsets.UTF_8),
                notice, error);
    }
}
