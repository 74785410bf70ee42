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

/**
 * The only class that hands mail to SMTP. It encodes a composed message, signs it when DKIM is
 * on, and submits it over the relay's pooled, kept-alive connections, then classifies the
 * relay's answer. The {@link Dispatcher} is its only caller, after the consent gate said SEND.
 * Submissions run on threads of their own, one per connection, so composing, encoding and
 * signing use every core while the dispatch loops claim and record.
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

    @Inject
    public SmtpSubmitter(SmtpConfig smtp, DkimConfig dkim, Clock clock) {
        this(new SmtpRelay(smtp.relaySettings()), DkimSigner.of(dkim), smtp.logOnly(), clock, smtp.connections());
    }

    public SmtpSubmitter(SmtpRelay relay, Optional<DkimSigner> signer, boolean logOnly, Clock clock, int connections) {
        this.relay = relay;
        this.signer = signer;
        this.logOnly = logOnly;
        this.clock = clock;
        this.unrecorded = new Semaphore(Math.max(1, connections));
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
        threads.execute(() -> {
            long start = System.nanoTime();
            boolean[] reserved = { false };
            Result result;
            if (!mayStart.getAsBoolean()) {
                result = new Result(Kind.NOT_STARTED, "not started: shutting down", Duration.ZERO);
            } else {
                try {
                    result = new Result(Kind.ACCEPTED, send(compose, reserved), since(start));
                } catch (RuntimeException e) {
                    result = classify(e, since(start));
                }
            }
            done.accept(new Result(result.kind(), result.reply(), result.latency(), reserved[0]));
        });
    }

    /**
     * Composes, encodes, signs and hands the envelope and content to the relay, then waits for a
     * reservation (fewer than one message per connection taken by the relay but not yet recorded)
     * before the final dot that makes the relay take it: all of that overlaps the recording of
     * earlier results, and a crash repeats at most one message per connection.
     */
    private String send(Supplier<OutgoingMail> compose, boolean[] reserved) {
        OutgoingMail mail;
        try {
            mail = compose.get();
        } catch (InstanceNotReady e) {
            throw e;
        } catch (RuntimeException e) {
            if (causedByDatabase(e)) {
                // The database was unreachable while rendering: the message is fine, try again later.
                throw new Failure(e);
            }
            throw new NotComposed(e);
        }
        try {
            byte[] message = MimeEncoder.encode(mail);
            if (signer.isPresent()) {
                message = signer.get().sign(message, clock.instant());
            }
            SmtpRelay.EndOfData reserve = new SmtpRelay.EndOfData() {
                @Override
                public boolean tryNow() {
                    if (!reserved[0] && unrecorded.tryAcquire()) {
                        reserved[0] = true;
                    }
                    return reserved[0];
                }

                @Override
                public void await() throws java.io.IOException, InterruptedException {
                    if (reserved[0]) {
                        return;
                    }
                    if (!unrecorded.tryAcquire(RESERVE_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        throw new java.net.SocketTimeoutException("earlier results were not recorded in time");
                    }
                    reserved[0] = true;
                }
            };
            if (logOnly) {
                reserve.await();
                Log.infof("Mail not relayed (valjean.smtp.log-only), %d bytes%nTo: %s%nSubject: %s%n%n%s", message.length,
                        mail.to(), mail.subject(), mail.text());
                return "250 logged, not relayed";
            }
            return relay.submit(mail.envelopeFrom(), mail.to(), message, reserve);
        } catch (SmtpRelay.Rejected | IOException e) {
            throw new Failure(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(e);
        }
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
