package dev.valjean.subscription;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.abuse.AbuseGuard;
import dev.valjean.common.Sql;

/**
 * The one sign-up path behind the hosted page, the embedded form and the JSON API: per-IP limit,
 * honeypot, validation, anti-abuse proof, then the pending request. Every valid request gets the
 * same answer whatever is known about the address. A sign-up with a token (or from the preference
 * centre's signed link) has no proof to redeem, and is recorded through {@link SignupBatches}.
 */
@ApplicationScoped
public class SignupFlow {

    /**
     * A sign-up as it arrived, with its anti-abuse fields. {@code token}: an API token the caller
     * sent and nobody has checked yet ({@link dev.valjean.auth.TokenCheckedWithTheWork}); it is
     * checked in the transaction that records the sign-up, and an unknown or revoked one is a 401.
     */
    public record Attempt(SubscriptionService.Signup signup, String honeypot, AbuseGuard.Proof proof, boolean authenticated,
            boolean allowFormToken, String token) {

        public Attempt(SubscriptionService.Signup signup, String honeypot, AbuseGuard.Proof proof, boolean authenticated,
                boolean allowFormToken) {
            this(signup, honeypot, proof, authenticated, allowFormToken, null);
        }
    }

    private final AbuseGuard guard;
    private final SubscriptionService subscriptions;
    private final SignupBatches batches;
    private final Sql sql;

    public SignupFlow(AbuseGuard guard, SubscriptionService subscriptions, SignupBatches batches, Sql sql) {
        this.guard = guard;
        this.subscriptions = subscriptions;
        this.batches = batches;
        this.sql = sql;
    }

    /** Returns normally for every accepted attempt (including a bot's); throws 422 or 429 otherwise. */
    public void submit(Attempt a) {
        if (!a.authenticated() && a.token() == null) {
            submitChecked(a);
            return;
        }
        // No proof to redeem: the token checked, the honeypot looked at and the sign-up validated in the
        // transaction that records it, which it may share with others (SignupBatches).
        batches.request(a.signup(), a.honeypot(), a.token());
    }

    /**
     * {@link #submit} for a caller on an event loop, which must not wait: the future completes once
     * the attempt is answered, or fails with what {@link #submit} would throw. A sign-up with a
     * token goes to {@link SignupBatches} without a thread of its own waiting for it; an anonymous
     * one, whose checks read and write on the way, runs on {@code workers}.
     */
    public CompletableFuture<Void> submitAsync(Attempt a, Executor workers) {
        if (!a.authenticated() && a.token() == null) {
            return CompletableFuture.runAsync(() -> submitChecked(a), workers);
        }
        return batches.submit(a.signup(), a.honeypot(), a.token(), workers);
    }

    /** An anonymous sign-up: the proof is redeemed in the transaction that records the request. */
    @Transactional
    void submitChecked(Attempt a) {
        sql.genericPlansForThisTransaction(); // every statement of a sign-up goes by key
        if (!guard.screen(a.proof().ip(), a.honeypot(), false)) {
            return;
        }
        List<SubscriptionService.Chosen> chosen = subscriptions.validate(a.signup());
        guard.check(a.proof(), a.allowFormToken());
        subscriptions.request(a.signup(), chosen);
    }
}
