package dev.valjean.subscription;

import java.util.Comparator;
import java.util.List;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.SharedTransactions;
import dev.valjean.common.Sql;

/**
 * Sign-ups that need no anti-abuse check (a token's, the preference centre's) recorded in shared
 * transactions (docs/DECISIONS.md 35): each of {@code valjean.subscription.batch-threads} threads
 * takes whatever such sign-ups are waiting when it starts a transaction (up to {@code batch-max}),
 * records each as {@link SubscriptionService#request} does alone, and commits once; every caller
 * returns when the commit that holds its sign-up has happened, so a 202 still means its request,
 * ledger event and confirmation are stored. The commit, the costliest part of a sign-up for the
 * database after its writes (on a busy machine mostly the wake-ups around its flush), is shared by
 * all of them. If one fails, each runs again alone ({@link SharedTransactions}). The sign-ups of one
 * transaction lock their contacts in the order of their addresses.
 */
@ApplicationScoped
public class SignupBatches {

    /** A validated sign-up and the newsletters it asks for. */
    private record Recording(SubscriptionService.Signup signup, List<SubscriptionService.Chosen> chosen, String lockOrder) {
    }

    private final SubscriptionService subscriptions;
    private final Sql sql;
    private final SubscriptionConfig config;
    private SharedTransactions<Recording, Void> shared;

    public SignupBatches(SubscriptionService subscriptions, Sql sql, SubscriptionConfig config) {
        this.subscriptions = subscriptions;
        this.sql = sql;
        this.config = config;
    }

    @PostConstruct
    void start() {
        shared = new SharedTransactions<>("signups", config.batchThreads(), config.batchMax(), r -> {
            subscriptions.request(r.signup(), r.chosen());
            return null;
        }, Comparator.comparing(Recording::lockOrder), sql::genericPlansForThisTransaction);
    }

    /**
     * Records a validated sign-up ({@link SubscriptionService#validate}) and returns once it is
     * committed; throws what recording it alone would have thrown.
     */
    public void request(SubscriptionService.Signup signup, List<SubscriptionService.Chosen> chosen) {
        shared.run(new Recording(signup, chosen, EmailAddress.parse(signup.email()).normalized()));
    }

    /** Sign-ups waiting for a thread (for tests). */
    int waiting() {
        return shared.waiting();
    }

    /** Records the sign-ups waiting, then stops the threads; later sign-ups run alone. */
    @PreDestroy
    void stop() {
        shared.stop();
    }
}
