package dev.valjean.issue;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;

/** Starts scheduled issues when they are due and queues their fan-out (and any part a crash left), marks finished ones SENT, and lets the circuit breaker look at sending ones. */
@ApplicationScoped
public class IssueJob {

    private final IssueService issues;
    private final IssueBreaker breaker;

    public IssueJob(IssueService issues, IssueBreaker breaker) {
        this.issues = issues;
        this.breaker = breaker;
    }

    @Scheduled(every = "${valjean.issues.start-every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void tick() {
        issues.startDue();
        issues.finishDone();
        breaker.checkSending();
    }
}
