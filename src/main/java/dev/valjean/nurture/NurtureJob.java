package dev.valjean.nurture;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;

/** Puts due nurture steps into the outbox (the dispatcher sends them). */
@ApplicationScoped
public class NurtureJob {

    private final StepService steps;

    public NurtureJob(StepService steps) {
        this.steps = steps;
    }

    @Scheduled(every = "${valjean.nurture.advance-every:60s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void tick() {
        int queued = steps.advanceAll();
        if (queued > 0) {
            Log.infof("Nurture: %d step(s) queued", queued);
        }
    }
}
