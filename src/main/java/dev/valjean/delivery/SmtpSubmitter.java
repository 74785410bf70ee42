package dev.valjean.delivery;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;

/**
 * The only class that hands mail to SMTP. It encodes a composed message, signs it when DKIM is
 * on, and submits it over the relay's pooled, kept-alive connections, then classifies the
 * relay's answer. The {@link Dispatcher} is its only caller, after the consent gate said SEND.
 * Submissions run on threads of their own, one per connection, so composing, encoding and
 * signing use every core while the dispatch loops claim and record. A thread that finds more
 * submissions queued sends them one after the other on its session, each next envelope with the
 * previous dot ({@link SmtpRelay#submitChain}).
 */
@Startup
@ApplicationScoped
public class SmtpSubmitter {

    /** How a submission ended. */
    public enum Kind {
        ACCEPTED, TRANSIENT, PERMANENT,
        /** The message could not be built (a broken template, a missing link): sending again will not help. */
        NOT_COMPOSED,
        /** This instance's own configuration cannot compose it (see {@link InstanceNotReady}): another instance may. */
        NOT_READY,
        /** Not started because the dispatcher is shutting down: nothing reached the relay. */
        NOT_STARTED
    }

    /**
     * The relay's verdict on one message. {@code reserved}: the message went to the relay under a
     * reservation that the caller releases ({@link #release}) once the result is recorded.
     */
    public record Result(Kind kind, String reply, Duration latency, boolean reserved) {
        public Result(Kind kind, String reply, Duration latency) {
            this(kind, reply, latency, false);
        }
    }

    /** How long a composed message may wait for earlier results to be recorded before it counts as a transient failure. */
    private static final long RESERVE_MILLIS = 60_000;

    private final SmtpRelay relay;
    private final Optional<DkimSigner> signer;
    private final boolean logOnly;
    private final Clock clock;
    private final ExecutorService threads;
    /** Messages handed to the relay and not yet recorded by the dispatcher: at most one per connection. */
    private final Semaphore unrecorded;
    private final int connections;

    @Inject
    public SmtpSubmitter(SmtpConfig smtp, DkimConfig dkim, Clock clock) {
        this(new SmtpRelay(smtp.relaySettings()), DkimSigner.of(dkim), smtp.logOnly(), clock, smtp.connections());
    }

    public SmtpSubmitter(SmtpRelay relay, Optional<DkimSigner> signer, boolean logOnly, Clock clock, int connections) {
        this.relay = relay;
        this.signer = signer;
        this.logOnly = logOnly;
        this.clock = clock;
        this.connections = Math.max(1, connections);
        this.unrecorded = new Semaphore(this.connections);
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newFixedThreadPool(Math.max(1, connections), r -> {
            Thread t = new Thread(r, "valjean-smtp-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The DKIM signer in use, when signing is on: the operations page shows the record to publish. */
    public Optional<DkimSigner> dkim() {
        return signer;
    }

    /** How many messages may be sent and unrecorded at once: one per connection (DECISIONS 7). */
    public int connections() {
        return connections;
    }

    /** Releases {@code n} reservations whose results are recorded. */
    public void release(int n) {
        unrecorded.release(n);
    }

    /**
     * Queues one submission on a submission thread: when its turn comes and {@code mayStart} still
     * holds, the message is composed and submitted, and {@code done} gets the result. Every
     * submission ends by itself (the relay's socket timeouts), so {@code done} is always called.
     */
    public void submit(BooleanSupplier mayStart, Supplier<OutgoingMail> compose, Consumer<Result> done) {
        jobs.add(new Job(mayStart, compose, done));
        // One run per job queued, so no job waits without one; a run that finds the queue emptied by another's chain ends at once.
        threads.execute(this::run);
    }

    /** A submission waiting for a thread, then the message it became. */
    private static final class Job {
        final BooleanSupplier mayStart;
        final Supplier<OutgoingMail> compose;
        final Consumer<Result> done;
        final boolean[] reserved = { false };
        long start;
        OutgoingMail mail;

        Job(BooleanSupplier mayStart, Supplier<OutgoingMail> compose, Consumer<Result> done) {
            this.mayStart = mayStart;
            this.compose = compose;
            this.done = done;
        }

        void finish(Result result) {
            done.accept(new Result(result.kind(), result.reply(), result.latency(), reserved[0]));
        }
    }

    private final java.util.concurrent.LinkedBlockingQueue<Job> jobs = new java.util.concurrent.LinkedBlockingQueue<>();

    /**
     * Takes queued jobs and sends them one after the other on one relay session while there are
     * more (SmtpRelay#submitChain: each next message's envelope goes with the previous dot).
     */
    private void run() {
        SmtpRelay.Outgoing first = nextMessage();
        if (first == null) {
            return;
        }
        if (logOnly) {
            for (SmtpRelay.Outgoing m = first; m != null; m = nextMessage()) {
                Job job = (Job) m.owner();
                try {
                    m.beforeEnd().await();
                    Log.infof("Mail not relayed (valjean.smtp.log-only), %d bytes%nTo: %s%nSubject: %s%n%n%s", m.message().length,
                            job.mail.to(), job.mail.subject(), job.mail.text());
                    job.finish(new Result(Kind.ACCEPTED, "250 logged, not relayed", since(job.start)));
                } catch (IOException | InterruptedException e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    job.finish(classify(new Failure(e), since(job.start)));
                }
            }
            return;
        }
        relay.submitChain(first, this::nextMessage, new SmtpRelay.Results() {
            @Override
            public void accepted(SmtpRelay.Outgoing message, String reply) {
                Job job = (Job) message.owner();
                job.finish(new Result(Kind.ACCEPTED, reply, since(job.start)));
            }

            @Override
            public void failed(SmtpRelay.Outgoing message, Exception failure) {
                Job job = (Job) message.owner();
                job.finish(classify(failure instanceof RuntimeException r ? r : new Failure(failure), since(job.start)));
            }
        });
    }

    /**
     * The next queued job composed, encoded and signed, ready for the relay; null when none is
     * queued. A job that may not start or cannot be composed gets its result here and the next
     * one is taken.
     */
    private SmtpRelay.Outgoing nextMessage() {
        for (Job job = jobs.poll(); job != null; job = jobs.poll()) {
            job.start = System.nanoTime();
            if (!job.mayStart.getAsBoolean()) {
                job.finish(new Result(Kind.NOT_STARTED, "not started: shutting down", Duration.ZERO));
                continue;
            }
            try {
                return prepare(job);
            } catch (RuntimeException e) {
                job.finish(classify(e, since(job.start)));
            }
        }
        return null;
    }

    /**
     * Composes, encodes and signs the job's message. Its dot will wait for a reservation (fewer
     * than one message per connection taken by the relay but not yet recorded): composing and
     * sending the content overlap the recording of earlier results, and a crash repeats at most
     * one message per connection.
     */
    private SmtpRelay.Outgoing prepare(Job job) {
        OutgoingMail mail;
        try {
            mail = job.compose.get();
        } catch (InstanceNotReady e) {
            throw e;
        } catch (RuntimeException e) {
            if (causedByDatabase(e)) {
                // The database was unreachable while rendering: the message is fine, try again later.
                throw new Failure(e);
            }
            throw new NotComposed(e);
        }
        byte[] message = MimeEncoder.encode(mail);
        if (signer.isPresent()) {
            message = signer.get().sign(message, clock.instant());
        }
        boolean[] reserved = job.reserved;
        SmtpRelay.EndOfData reserve = new SmtpRelay.EndOfData() {
            @Override
            public boolean tryNow() {
                if (!reserved[0] && unrecorded.tryAcquire()) {
                    reserved[0] = true;
                }
                return reserved[0];
            }

            @Override
            public void await() throws IOException, InterruptedException {
                if (reserved[0]) {
                    return;
                }
                if (!unrecorded.tryAcquire(RESERVE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    throw new java.net.SocketTimeoutException("earlier results were not recorded in time");
                }
                reserved[0] = true;
            }
        };
        job.mail = mail;
        return new SmtpRelay.Outgoing(mail.envelopeFrom(), mail.to(), message, reserve, job);
    }

    private static boolean causedByDatabase(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException) {
                return true;
            }
        }
        return false;
    }

    /** Carries a checked failure out of the submission thread. */
    private static final class Failure extends RuntimeException {
        Failure(Exception cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** The composer failed; its exception is the cause. */
    private static final class NotComposed extends RuntimeException {
        NotComposed(RuntimeException cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    static Result classify(Throwable failure, Duration latency) {
        if (failure instanceof InstanceNotReady) {
            return new Result(Kind.NOT_READY, "instance not ready: " + trim(failure.getMessage()), latency);
        }
        if (failure instanceof NotComposed) {
            Log.debugf(failure.getCause(), "A message could not be composed");
            return new Result(Kind.NOT_COMPOSED, "not composed: " + trim(String.valueOf(failure.getMessage())), latency);
        }
        Throwable cause = failure instanceof Failure ? failure.getCause() : failure;
        if (cause instanceof SmtpRelay.Rejected rejected) {
            return new Result(rejected.permanent() ? Kind.PERMANENT : Kind.TRANSIENT, trim(rejected.getMessage()), latency);
        }
        if (cause instanceof IllegalArgumentException) {
            // An address SMTP cannot carry: retrying will not help.
            return new Result(Kind.PERMANENT, "invalid address: " + trim(cause.getMessage()), latency);
        }
        String what;
        if (cause instanceof ConnectException) {
            what = "connection refused";
        } else if (cause instanceof java.net.SocketTimeoutException) {
            what = "timed out";
        } else if (cause instanceof IOException) {
            what = "connection failed";
        } else if (causedByDatabase(cause)) {
            what = "database unavailable while composing";
        } else {
            what = "submission failed";
            Log.errorf(cause, "Submission failed unexpectedly");
        }
        return new Result(Kind.TRANSIENT, what + ": " + trim(String.valueOf(cause.getMessage())), latency);
    }

    /** The relay's connections kept alive and idle too long to be reused are closed, with QUIT. */
    @Scheduled(every = "10s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void closeIdleConnections() {
        int closed = relay.closeIdle();
        if (closed > 0) {
            Log.debugf("Closed %d idle relay connections", closed);
        }
    }

    @PreDestroy
    void stop() {
        threads.shutdown();
        relay.close();
    }

    static String heloFrom(String from) {
        String address = MimeEncoder.addressOf(from);
        int at = address.lastIndexOf('@');
        return at >= 0 && at + 1 < address.length() ? address.substring(at + 1) : "localhost";
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static String trim(String s) {
        return s == null ? "" : s.length() > 500 ? s.substring(0, 500) : s;
    }
}
