package dev.valjean.newsletter;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/** Dev mode only: a demo newsletter, so a newcomer can open its sign-up page at once. */
@Singleton
@IfBuildProfile("dev")
public class DevDemoData {

    void onStart(@Observes StartupEvent event, NewsletterService newsletters) {
        if (Newsletter.count() > 0) {
            return;
        }
        newsletters.create("demo", new NewsletterService.Change("Valjean Demo Letter",
                "Three short notes a month about sending less and being read more.", Cadence.MONTHLY, "Valjean Demo",
                "demo@valjean.localhost", "Yes, send me the Valjean Demo Letter once a month. I can leave with one click at any time."));
        Log.info("Dev mode: created the demo newsletter; its sign-up page is http://localhost:8080/subscribe/demo");
    }
}
