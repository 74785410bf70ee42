package dev.valjean.common;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.narayana.jta.QuarkusTransactionException;

/**
 * Small units of work, each a transaction's worth, run by a few threads in transactions they share
 * (docs/DECISIONS.md 35): each thread takes whatever work is waiting when it starts a transaction
 * (up to a most), runs each exactly as it would run alone, and commits once. Every caller returns
 * when the commit that holds its work has happened, with its own result. The commit, on a busy
 * machine mostly the wake-ups around its flush, is shared by all of them.
 * <p>
 * If any work of a shared transaction fails, the transaction is rolled back and each runs again in
 * a transaction of its own, so each caller gets the answer it would have had alone. The work of one
 * transaction runs in the order of its lock key, so that two transactions locking the same rows
 * never wait for each other in a circle. A caller already in a transaction runs its work in it.
 *
 * @param <I> what a unit of work is given
 * @param <R> what it returns to its caller
 */
public final class SharedTransactions<I, R> {

    /** Work waiting for a transaction, and what its caller waits for. */
    private record Waiting<I, R>(I input, CompletableFuture<R> done) {
    }

    private final String name;
    private final Function<I, R> work;
    private final Comparator<Waiting<I, R>> lockOrder;
    private final int most;
    private final Runnable atStart;
    private final LinkedBlockingQueue<Waiting<I, R>> waiting = new LinkedBlockingQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    /**
     * @param name what the work is, for thread names and logs
     * @param threads how many threads share transactions; 0: each caller runs its work in a transaction of its own
     * @param most the most units one transaction takes (below 1 counts as 1)
     * @param work a unit of work, run inside a transaction
     * @param lockOrder the order in which one transaction's work runs
     * @param atStart run at the start of each transaction, before its work
     */
    public SharedTransactions(String name, int threads, int most, Function<I, R> work, Comparator<I> lockOrder,
            Runnable atStart) {
        this.name = name;
        this.work = work;
        this.lockOrder = Comparator.comparing(Waiting::input, lockOrder);
        this.most = Math.max(1, most);
        this.atStart = atStart;
        for (int i = 1; i <= threads; i++) {
            Thread t = new Thread(this::run, "valjean-" + name + "-" + i);
            t.setDaemon(true);
            this.threads.add(t);
        }
        this.threads.forEach(Thread::start);
    }

    /** Runs one unit of work and returns its result once committed; throws what running it alone would have thrown. */
    public R run(I input) {
        if (QuarkusTransaction.isActive()) {
            return work.apply(input); // the caller's transaction decides
        }
        Waiting<I, R> w = new Waiting<>(input, new CompletableFuture<>());
        if (threads.isEmpty() || stopping) {
            alone(w);
        } else {
            waiting.add(w);
            if (stopping && waiting.remove(w)) {
                alone(w); // the threads may have stopped before it was queued
            }
        }
        try {
            return w.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a shared transaction", e);
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

    /** Units waiting for a thread (for tests). */
    public int waiting() {
        return waiting.size();
    }

    private void run() {
        List<Waiting<I, R>> batch = new ArrayList<>(most);
        while (true) {
            batch.clear();
            try {
                Waiting<I, R> first = stopping ? waiting.poll() : waiting.poll(1, TimeUnit.SECONDS);
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
            batch.sort(lockOrder);
            List<R> results;
            try {
                results = inTransaction(batch);
            } catch (RuntimeException | Error e) {
                // the class only: a database error's message can quote an address
                Log.infof("A shared %s transaction of %d failed (%s); each runs again alone", name, batch.size(),
                        e.getClass().getSimpleName());
                batch.forEach(this::alone);
                continue;
            }
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(results.get(i));
            }
        }
    }

    private void alone(Waiting<I, R> w) {
        try {
            w.done().complete(inTransaction(List.of(w)).get(0));
        } catch (RuntimeException | Error e) {
            w.done().completeExceptionally(e);
        }
    }

    private List<R> inTransaction(List<Waiting<I, R>> batch) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                atStart.run();
                List<R> results = new ArrayList<>(batch.size());
                for (Waiting<I, R> w : batch) {
                    results.add(work.apply(w.input()));
                }
                return results;
            });
        } catch (QuarkusTransactionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Runs the work waiting, then stops the threads; later work runs alone on its caller's thread. */
    public void stop() {
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
