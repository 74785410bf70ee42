package dev.valjean.subscription;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.valjean.abuse.AbuseGuard;
import dev.valjean.common.Sql;

/**
 * The one sign-up path behind the hosted page, the embedded form and the JSON API: per-IP limit,
 * honeypot, validation, anti-abuse proof, then the pending request. Every valid request gets the
 * same answer whatever is known about the address.
 */
@ApplicationScoped
public class SignupFlow {

    /** A sign-up as it arrived, with its anti-abuse fields. */
    public record Attempt(SubscriptionService.Signup signup, String honeypot, AbuseGuard.Proof proof, boolean authenticated,
            boolean allowFormToken) {
    }

    private final AbuseGuard guard;
    private final SubscriptionService subscriptions;
    private final Sql sql;

    public SignupFlow(AbuseGuard guard, SubscriptionService subscriptions, Sql sql) {
        this.guard = guard;
        this.subscriptions = subscriptions;
        this.sql = sql;
    }

    /** Returns normally for every accepted attempt (including a bot's); throws 422 or 429 otherwise. */
    @Transactional
    public void submit(Attempt a) {
        sql.genericPlansForThisTransaction(); // every statement of a sign-up goes by key
        if (!guard.screen(a.proof().ip(), a.honeypot(), a.authenticated())) {
            return;
        }
        List<SubscriptionService.Chosen> chosen = subscriptions.validate(a.signup());
        if (!a.authenticated()) {
            guard.check(a.proof(), a.allowFormToken());
        }
        subscriptions.request(a.signup(), chosen);
    }
}
