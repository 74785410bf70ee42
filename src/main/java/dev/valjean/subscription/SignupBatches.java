package dev.valjean.subscription;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import dev.valjean.common.EmailAddress;
import dev.valjean.common.Sql;
import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.narayana.jta.QuarkusTransactionException;

/**
 * Sign-ups that need no anti-abuse check (a token's, the preference centre's) recorded in shared
 * transactions (docs/DECISIONS.md 35). Each of {@code valjean.subscription.batch-threads} threads
 * takes whatever such sign-ups are waiting when it starts a transaction (up to {@code batch-max}),
 * records each as {@link SubscriptionService#request} does alone, and commits once; every caller
 * returns when the commit that holds its sign-up has happened, so a 202 still means its request,
 * ledger event and confirmation are stored. The commit, the costliest part of a sign-up for the
 * database after its writes (on a busy machine mostly the wake-ups around its flush), is shared by
 * all of them.
 * <p>
 * If any sign-up of a shared transaction fails, the transaction is rolled back and each of its
 * sign-ups runs again alone, so each caller gets the answer it would have had alone. The sign-ups
 * of one transaction lock their contacts in the order of their addresses, so that two transactions
 * with the same people never wait for each other in a circle.
 */
@ApplicationScoped
public class SignupBatches {

    /** A sign-up waiting for a transaction, and what its caller waits for. */
    private record Waiting(SubscriptionService.Signup signup, List<SubscriptionService.Chosen> chosen, String lockOrder,
            CompletableFuture<Void> done) {
    }

    private final SubscriptionService subscriptions;
    private final Sql sql;
    private final SubscriptionConfig config;
    private final LinkedBlockingQueue<Waiting> waiting = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    public SignupBatches(SubscriptionService subscriptions, Sql sql, SubscriptionConfig config) {
        this.subscriptions = subscriptions;
        this.sql = sql;
        this.config = config;
    }

    @PostConstruct
    void start() {
        for (int i = 1; i <= config.batchThreads(); i++) {
            Thread t = new Thread(this::run, "valjean-signups-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /**
     * Records a validated sign-up ({@link SubscriptionService#validate}) and returns once it is
     * committed; throws what recording it alone would have thrown.
     */
    public void request(SubscriptionService.Signup signup, List<SubscriptionService.Chosen> chosen) {
        if (QuarkusTransaction.isActive()) {
            subscriptions.request(signup, chosen); // the caller's transaction decides
            return;
        }
        Waiting w = new Waiting(signup, chosen, EmailAddress.parse(signup.email()).normalized(), new CompletableFuture<>());
        if (threads.isEmpty() || stopping) {
            alone(w);
        } else {
            waiting.add(w);
            if (stopping && waiting.remove(w)) {
                alone(w); // the threads may have stopped before it was queued
            }
        }
        try {
            w.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the sign-up was being recorded", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Sign-ups waiting for a thread (for tests). */
    int waiting() {
        return waiting.size();
    }

    private void run() {
        int most = Math.max(1, config.batchMax());
        List<Waiting> batch = new ArrayList<>(most);
        while (true) {
            batch.clear();
            try {
                Waiting first = stopping ? waiting.poll() : waiting.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    if (stopping) {
                        return;
                    }
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                return;
            }
            waiting.drainTo(batch, most - 1);
            if (batch.size() == 1) {
                alone(batch.get(0));
                continue;
            }
            batch.sort(Comparator.comparing(Waiting::lockOrder));
            try {
                record(batch);
                batch.forEach(w -> w.done().complete(null));
            } catch (RuntimeException | Error e) {
                // the class only: a database error's message can quote an address
                Log.infof("A shared sign-up transaction of %d failed (%s); each runs again alone", batch.size(),
                        e.getClass().getSimpleName());
                batch.forEach(this::alone);
            }
        }
    }

    private void alone(Waiting w) {
        try {
            record(List.of(w));
            w.done().complete(null);
        } catch (RuntimeException | Error e) {
            w.done().completeExceptionally(e);
        }
    }

    private void record(List<Waiting> batch) {
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                sql.genericPlansForThisTransaction(); // every statement of a sign-up goes by key
                for (Waiting w : batch) {
                    subscriptions.request(w.signup(), w.chosen());
                }
            });
        } catch (QuarkusTransactionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Records the sign-ups waiting, then stops the threads; later sign-ups run alone. */
    @PreDestroy
    void stop() {
        stopping = true;
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
