package dev.valjean.issue;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;

/** Starts scheduled issues when they are due and marks finished ones SENT. */
@ApplicationScoped
public class IssueJob {

    private final IssueService issues;

    public IssueJob(IssueService issues) {
        this.issues = issues;
    }

    @Scheduled(every = "${valjean.issues.start-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void tick() {
        issues.startDue();
        issues.finishDone();
    }
}
