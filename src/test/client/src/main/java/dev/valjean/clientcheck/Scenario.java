package dev.valjean.clientcheck;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import dev.valjean.client.ApiClient;
import dev.valjean.client.ApiException;
import dev.valjean.client.api.CrmApi;
import dev.valjean.client.api.IssuesApi;
import dev.valjean.client.api.NewslettersApi;
import dev.valjean.client.api.NurtureApi;
import dev.valjean.client.api.SignUpApi;
import dev.valjean.client.model.AccountRequest;
import dev.valjean.client.model.Cadence;
import dev.valjean.client.model.CreateNewsletter;
import dev.valjean.client.model.CreateSequence;
import dev.valjean.client.model.Enroll;
import dev.valjean.client.model.EnrollmentView;
import dev.valjean.client.model.IssueRequest;
import dev.valjean.client.model.IssueView;
import dev.valjean.client.model.Item;
import dev.valjean.client.model.MemberRequest;
import dev.valjean.client.model.NewsletterView;
import dev.valjean.client.model.OpportunityPatch;
import dev.valjean.client.model.OpportunityRequest;
import dev.valjean.client.model.OpportunityStatus;
import dev.valjean.client.model.OpportunityView;
import dev.valjean.client.model.SendRequest;
import dev.valjean.client.model.SequencePurpose;
import dev.valjean.client.model.Step;
import dev.valjean.client.model.SubscribeRequest;

/**
 * What an integrator does with the generated client: creates a newsletter, signs a reader up,
 * writes and sends an issue once the reader has confirmed, and closes a deal with a PATCH. Runs in
 * its own JVM against a running Valjean: {@code Scenario <base URL> <editor token> <sales token>}.
 * Prints {@code SIGNED_UP} and waits for a line on standard input (the reader confirms by the link
 * in their email, which is not the API's business), then prints {@code key=value} lines of what it
 * made and {@code DONE}. Any answer it did not expect ends it with a non-zero status.
 */
public final class Scenario {

    public static void main(String[] args) throws Exception {
        String base = args[0];
        ApiClient editor = client(base, args[1]);
        ApiClient sales = client(base, args[2]);

        NewslettersApi newsletters = new NewslettersApi(editor);
        NewsletterView created = newsletters.createNewsletter(new CreateNewsletter().slug("client-weekly").name("Client Weekly")
                .cadence(Cadence.WEEKLY).senderName("Client Weekly").senderAddress("news@valjean.test")
                .consentText("Send me Client Weekly, one short issue a week. I can leave with one click.")
                .postalAddress("Valjean, 1 Rue de la Paix, Paris"));
        check(created.getConsentVersion() == 1 && "client-weekly".equals(created.getSlug()), "newsletter " + created);
        try {
            newsletters.createNewsletter(new CreateNewsletter().slug("client-weekly").name("Again").cadence(Cadence.WEEKLY)
                    .senderName("Again").senderAddress("news@valjean.test").consentText("Again, please."));
            throw new IllegalStateException("a second newsletter with the same slug was accepted");
        } catch (ApiException e) {
            check(e.getCode() == 409 && e.getResponseBody().contains("\"SLUG_TAKEN\""), "duplicate slug answered " + e.getCode() + " " + e.getResponseBody());
        }

        var accepted = new SignUpApi(editor).subscribe(new SubscribeRequest().email("reader@client.example").name("Rea Reader")
                .newsletters(List.of("client-weekly")).consent(true).consentVersion(1));
        check("PENDING_CONFIRMATION".equals(accepted.getStatus()), "sign-up answered " + accepted);
        System.out.println("SIGNED_UP");
        System.out.flush();
        String go = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        check("CONFIRMED".equals(go), "the test said " + go);

        IssuesApi issues = new IssuesApi(editor);
        IssueView draft = issues.createIssue("client-weekly", new IssueRequest().subject("Three things this week")
                .items(List.of(new Item().title("The one thing").body("A short paragraph worth the reader's minute.")
                        .url("https://valjean.test/one"))));
        check("DRAFT".equals(String.valueOf(draft.getStatus())), "new issue " + draft);
        IssueView sending = issues.sendIssue(draft.getId(), new SendRequest());
        check(sending.getRecipients() != null && sending.getRecipients() == 1, "issue sent to " + sending.getRecipients());
        System.out.println("issue=" + draft.getId());

        CrmApi crm = new CrmApi(sales);
        crm.putAccount("client-acme", new AccountRequest().name("Acme Client").customer(false));
        OpportunityView deal = crm.putOpportunity("client-deal", new OpportunityRequest().account("client-acme").name("Acme pilot")
                .stage("Proposal").status(OpportunityStatus.OPEN).contacts(List.of(
                        new MemberRequest().email("bea@acme.example").name("Bea Buyer").role("Champion").timeZone("Europe/Berlin"),
                        new MemberRequest().email("cy@acme.example").name("Cy").role("Finance"))));
        check(deal.getContacts().size() == 2, "deal " + deal);
        NurtureApi nurture = new NurtureApi(sales);
        long sequence = nurture.createSequence(new CreateSequence().name("Pilot follow-up").purpose(SequencePurpose.SALES_ACCELERATION)
                .steps(List.of(new Step().delayBusinessDays(2).subject("Where the pilot stands").body("Hello {name}, a short note on the pilot."),
                        new Step().delayBusinessDays(5).subject("Anything missing?").body("Hello {name}, anything missing before you decide?"))))
                .getId();
        var enrolled = nurture.enroll(sequence, new Enroll().email("bea@acme.example").opportunity("client-deal"));
        check("ACTIVE".equals(enrolled.getStatus()), "enrollment " + enrolled);

        OpportunityView won = crm.patchOpportunity("client-deal", new OpportunityPatch().status(OpportunityStatus.WON));
        check("WON".equals(won.getStatus()), "patched deal " + won);
        check(won.getContacts().size() == 2 && "Champion".equals(won.getContacts().get(0).getRole())
                && "Proposal".equals(won.getStage()), "the patch changed more than the status: " + won);
        List<EnrollmentView> after = nurture.listEnrollments(null, null, null, "client-deal");
        check(after.size() == 1 && "ENDED".equals(after.get(0).getStatus()) && "OPPORTUNITY_WON".equals(after.get(0).getEndedReason()),
                "enrollments after the win: " + after);
        System.out.println("sequence=" + sequence);
        System.out.println("enrollment=" + enrolled.getId());
        System.out.println("DONE");
    }

    private static ApiClient client(String base, String token) {
        ApiClient client = new ApiClient();
        client.updateBaseUri(base);
        client.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        return client;
    }

    private static void check(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("unexpected: " + what);
        }
    }
}
