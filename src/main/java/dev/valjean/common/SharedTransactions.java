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
 * <p>
 * A {@link Screen}, when given, looks at all the units of a transaction before any of them runs, in
 * that transaction: what each needs to read can then be read for all of them in one round trip, and
 * a unit it answers (a refusal, a request that stores nothing) does not run at all, without
 * touching the others.
 *
 * @param <I> what a unit of work is given
 * @param <R> what it returns to its caller
 */
public final class SharedTransactions<I, R> {

    /** What a {@link Screen} answers for a unit instead of running it: its caller gets {@code result}, or {@code failure} thrown. */
    public record Answer<R>(R result, RuntimeException failure) {

        public static <R> Answer<R> of(R result) {
            return new Answer<>(result, null);
        }

        public static <R> Answer<R> refused(RuntimeException failure) {
            return new Answer<>(null, java.util.Objects.requireNonNull(failure));
        }
    }

    /**
     * Looks at the units of one transaction, in it, before any of their work runs: for each unit, in
     * order, null to run its work, or the answer its caller gets instead. It must store nothing.
     */
    @FunctionalInterface
    public interface Screen<I, R> {
        List<Answer<R>> screen(List<I> inputs);
    }

    /** Work waiting for a transaction, and what its caller waits for. */
    private record Waiting<I, R>(I input, CompletableFuture<R> done) {
    }

    private final String name;
    private final Function<I, R> work;
    private final Comparator<Waiting<I, R>> lockOrder;
    private final int most;
    private final Runnable atStart;
    private final Screen<I, R> screen;
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
        this(name, threads, most, null, work, lockOrder, atStart);
    }

    /**
     * @param screen looks at a transaction's units before their work (null: none); see {@link Screen}
     */
    public SharedTransactions(String name, int threads, int most, Screen<I, R> screen, Function<I, R> work,
            Comparator<I> lockOrder, Runnable atStart) {
        this.name = name;
        this.screen = screen;
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
            return answer(units(List.of(input)).get(0)); // the caller's transaction decides
        }
        CompletableFuture<R> done = submit(input, Runnable::run); // alone on this thread where no thread of ours takes it
        try {
            return done.get();
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

    /**
     * Queues one unit of work and returns at once: the future completes, on the thread that
     * committed it, with what {@link #run} would return, or fails with what it would throw. For a
     * caller that must not wait (an event loop). Where no thread of ours takes it (none configured,
     * or stopping), it runs alone on {@code elsewhere}.
     */
    public CompletableFuture<R> submit(I input, java.util.concurrent.Executor elsewhere) {
        if (QuarkusTransaction.isActive()) {
            throw new IllegalStateException("a unit submitted from inside a transaction would not run in it: call run");
        }
        Waiting<I, R> w = new Waiting<>(input, new CompletableFuture<>());
        if (threads.isEmpty() || stopping) {
            elsewhere.execute(() -> alone(w));
        } else {
            waiting.add(w);
            if (stopping && waiting.remove(w)) {
                elsewhere.execute(() -> alone(w));
            }
        }
        return w.done();
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
            List<Answer<R>> results;
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
                complete(batch.get(i), results.get(i));
            }
        }
    }

    private void alone(Waiting<I, R> w) {
        try {
            complete(w, inTransaction(List.of(w)).get(0));
        } catch (RuntimeException | Error e) {
            w.done().completeExceptionally(e);
        }
    }

    private static <I, R> void complete(Waiting<I, R> w, Answer<R> answer) {
        if (answer.failure() != null) {
            w.done().completeExceptionally(answer.failure());
        } else {
            w.done().complete(answer.result());
        }
    }

    private static <R> R answer(Answer<R> answer) {
        if (answer.failure() != null) {
            throw answer.failure();
        }
        return answer.result();
    }

    /** The units screened, then the work of each that the screen did not answer, in the transaction of the caller. */
    private List<Answer<R>> units(List<I> inputs) {
        List<Answer<R>> screened = screen == null ? null : screen.screen(inputs);
        if (screened != null && screened.size() != inputs.size()) {
            throw new IllegalStateException("a screen answered " + screened.size() + " of " + inputs.size() + " units");
        }
        List<Answer<R>> answers = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            Answer<R> given = screened == null ? null : screened.get(i);
            answers.add(given != null ? given : Answer.of(work.apply(inputs.get(i))));
        }
        return answers;
    }

    private List<Answer<R>> inTransaction(List<Waiting<I, R>> batch) {
        try {
            return QuarkusTransaction.requiringNew().call(() -> {
                atStart.run();
                return units(batch.stream().map(Waiting::input).toList());
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
