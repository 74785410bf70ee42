package dev.valjean.nurture;

import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import dev.valjean.crm.CrmService;
import dev.valjean.form.FormKind;
import dev.valjean.form.FormService;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Dev mode only: an open deal with one buyer, a follow-up sequence sales can start on it, and a
 * gated download form that records and does nothing more, so a newcomer can try nurture at once.
 */
@Singleton
@IfBuildProfile("dev")
public class DevNurtureDemo {

    void onStart(@Observes @Priority(3000) StartupEvent event, CrmService crm, NurtureService nurture, FormService forms,
            dev.valjean.common.Sql sql) {
        if (sql.firstLong("SELECT count(*) FROM sequence").orElse(0L) > 0) {
            return;
        }
        crm.putAccount("demo-prospect", new CrmService.AccountData("Demo Prospect GmbH", false, null, "Software", 120, "DE"));
        crm.putOpportunity("demo-deal", new CrmService.OpportunityData("demo-prospect", "Demo pilot", "Evaluation",
                CrmService.OpportunityStatus.OPEN, "sales@valjean.localhost",
                List.of(new CrmService.Member("buyer@demo.localhost", "Dana Buyer", "champion", "Europe/Berlin"))));
        long sequence = nurture.createSequence("Demo pilot follow-up", SequencePurpose.SALES_ACCELERATION, List.of(
                new NurtureService.Step(0, null, "Your pilot: what happens next", null,
                        "Thanks for taking the time. Here is the short plan for the pilot we discussed."),
                new NurtureService.Step(null, 2, "One question about the pilot", null,
                        "Is there anyone else on your side who should see the results?")));
        FormService.FormView form = forms.create(FormKind.GATED_DOWNLOAD, "Demo whitepaper", "demo", List.of());
        Log.infof("Dev mode: open deal 'demo-deal' with buyer@demo.localhost and sequence %d; enroll with "
                + "POST /api/v1/sequences/%d/enrollments {\"email\":\"buyer@demo.localhost\",\"opportunity\":\"demo-deal\"}. "
                + "Gated download form: POST /forms/%s", sequence, sequence, form.id());
    }
}
