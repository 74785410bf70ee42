package dev.valjean.subscription;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.abuse.AbuseGuard;
import dev.valjean.auth.ApiTokenService;
import dev.valjean.common.EmailAddress;
import dev.valjean.common.SharedTransactions;
import dev.valjean.common.Signing;
import dev.valjean.common.Sql;
import dev.valjean.common.ValjeanException;

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
 * <p>
 * Before any of them is recorded, the transaction reads in one round trip what all of them need
 * checked (docs/DECISIONS.md 37): the API tokens they came with, and the newsletters and consent
 * text versions they ask for. Each is then answered as it would be alone, in the same order: an
 * unknown or revoked token 401, a filled honeypot accepted with nothing stored, bad input 422; the
 * others are recorded.
 */
@ApplicationScoped
public class SignupBatches {

    /** A sign-up as it arrived; {@code chosen} is set by the screen once it is valid. */
    private static final class Recording {
        final SubscriptionService.Signup signup;
        final String honeypot;
        final String token;
        final String lockOrder;
        List<SubscriptionService.Chosen> chosen;

        Recording(SubscriptionService.Signup signup, String honeypot, String token) {
            this.signup = signup;
            this.honeypot = honeypot;
            this.token = token;
            this.lockOrder = lockOrder(signup.email());
        }
    }

    private final SubscriptionService subscriptions;
    private final AbuseGuard guard;
    private final Sql sql;
    private final SubscriptionConfig config;
    private SharedTransactions<Recording, Void> shared;

    public SignupBatches(SubscriptionService subscriptions, AbuseGuard guard, Sql sql, SubscriptionConfig config) {
        this.subscriptions = subscriptions;
        this.guard = guard;
        this.sql = sql;
        this.config = config;
    }

    @PostConstruct
    void start() {
        shared = new SharedTransactions<>("signups", config.batchThreads(), config.batchMax(), this::screen, r -> {
            subscriptions.request(r.signup, r.chosen);
            return null;
        }, Comparator.comparing(r -> r.lockOrder), sql::genericPlansForThisTransaction);
    }

    /**
     * Records a sign-up that needs no proof and returns once it is committed; throws what recording
     * it alone would have thrown. {@code token}: an API token the caller sent, not yet checked (null
     * when the caller is known otherwise, as the preference centre's signed link makes it).
     */
    public void request(SubscriptionService.Signup signup, String honeypot, String token) {
        shared.run(new Recording(signup, honeypot, token));
    }

    /**
     * {@link #request}, for a caller that must not wait (the sign-up endpoint's event loop): the
     * future completes once the sign-up is committed, on the thread that committed it, or fails with
     * what {@link #request} would throw. Where no thread of its own can take it, it is recorded on
     * {@code elsewhere}.
     */
    public java.util.concurrent.CompletableFuture<Void> submit(SubscriptionService.Signup signup, String honeypot, String token,
            java.util.concurrent.Executor elsewhere) {
        return shared.submit(new Recording(signup, honeypot, token), elsewhere);
    }

    /** The checks of {@link SignupFlow} for every sign-up of a transaction, what they read read at once. */
    private List<SharedTransactions.Answer<Void>> screen(List<Recording> batch) {
        List<String> secrets = new ArrayList<>();
        List<SubscriptionService.Wanted> wanted = new ArrayList<>();
        List<Fields> fields = new ArrayList<>(batch.size());
        for (Recording r : batch) {
            if (r.token != null) {
                secrets.add(r.token);
            }
            try {
                LinkedHashSet<String> slugs = SubscriptionService.checkFields(r.signup);
                wanted.addAll(SubscriptionService.wanted(slugs, r.signup.consentVersion()));
                fields.add(new Fields(slugs, null));
            } catch (ValjeanException e) {
                fields.add(new Fields(null, e));
            }
        }
        List<Sql.Query> reads = new ArrayList<>(2);
        if (!secrets.isEmpty()) {
            reads.add(ApiTokenService.activeQuery(secrets));
        }
        if (!wanted.isEmpty()) {
            reads.add(SubscriptionService.newslettersQuery(wanted));
        }
        List<List<Map<String, Object>>> rows = reads.isEmpty() ? List.of() : sql.all(reads);
        Map<String, ApiTokenService.Verified> tokens = secrets.isEmpty() ? Map.of() : ApiTokenService.active(rows.get(0));
        Map<SubscriptionService.Wanted, Map<String, Object>> found = wanted.isEmpty() ? Map.of()
                : SubscriptionService.found(rows.get(rows.size() - 1));

        List<SharedTransactions.Answer<Void>> answers = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            Recording r = batch.get(i);
            answers.add(answer(r, fields.get(i), tokens, found));
        }
        return answers;
    }

    /** A sign-up's fields checked: the newsletters it asks for, or the 422 they get. */
    private record Fields(LinkedHashSet<String> slugs, ValjeanException refused) {
    }

    /** What one sign-up gets, in the order of the checks done alone: null when it is to be recorded. */
    private SharedTransactions.Answer<Void> answer(Recording r, Fields fields, Map<String, ApiTokenService.Verified> tokens,
            Map<SubscriptionService.Wanted, Map<String, Object>> found) {
        if (r.token != null && !tokens.containsKey(Signing.sha256(r.token))) {
            return SharedTransactions.Answer.refused(ValjeanException.unauthorized("This API token is unknown or revoked."));
        }
        if (!guard.screen(r.signup.ip(), r.honeypot, true)) {
            return SharedTransactions.Answer.of(null); // accepted, nothing stored
        }
        if (fields.refused() != null) {
            return SharedTransactions.Answer.refused(fields.refused());
        }
        try {
            r.chosen = SubscriptionService.chosen(fields.slugs(), r.signup.consentVersion(), found);
        } catch (ValjeanException e) {
            return SharedTransactions.Answer.refused(e);
        }
        return null;
    }

    /** The order in which one transaction's sign-ups lock their contacts: by address; a bad one sorts as it is (it stores nothing). */
    private static String lockOrder(String email) {
        try {
            return EmailAddress.parse(email).normalized();
        } catch (ValjeanException e) {
            return String.valueOf(email);
        }
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
