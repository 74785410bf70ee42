package dev.valjean.delivery;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.mail.SMTPException;

/**
 * The only class that hands mail to SMTP. It submits one message over the mailer's pooled,
 * kept-alive connections and classifies the relay's answer; the {@link Dispatcher} is its only
 * caller, after the consent gate said SEND.
 */
@ApplicationScoped
public class SmtpSubmitter {

    /** How a submission ended. */
    public enum Kind {
        ACCEPTED, TRANSIENT, PERMANENT
    }

    /** The relay's verdict on one message. */
    public record Result(Kind kind, String reply, Duration latency) {
    }

    private final ReactiveMailer mailer;
    /** A relay that has not answered by then is treated as a transient failure (the message is retried). */
    private final Duration timeout;

    @Inject
    public SmtpSubmitter(ReactiveMailer mailer, DeliveryConfig config) {
        this(mailer, config.submitTimeout());
    }

    public SmtpSubmitter(ReactiveMailer mailer, Duration timeout) {
        this.mailer = mailer;
        this.timeout = timeout;
    }

    public Uni<Result> submit(Mail mail) {
        long start = System.nanoTime();
        return mailer.send(mail)
                .ifNoItem().after(timeout).failWith(() -> new TimeoutException("no final reply within " + timeout))
                .onItem().transform(ignored -> new Result(Kind.ACCEPTED, "250 accepted", since(start)))
                .onFailure().recoverWithItem(failure -> classify(failure, since(start)));
    }

    static Result classify(Throwable failure, Duration latency) {
        Throwable cause = failure;
        while (cause.getCause() != null && !(cause instanceof SMTPException)) {
            cause = cause.getCause();
        }
        if (cause instanceof SMTPException smtp) {
            String reply = smtp.getReplyCode() + " " + String.join(" ", smtp.getReplyMessages()).strip();
            return new Result(smtp.isPermanent() ? Kind.PERMANENT : Kind.TRANSIENT, trim(reply), latency);
        }
        if (failure instanceof IllegalArgumentException) {
            // quarkus-mailer refuses addresses it cannot parse: retrying will not help.
            return new Result(Kind.PERMANENT, "invalid address: " + trim(failure.getMessage()), latency);
        }
        String what = cause instanceof ConnectException ? "connection refused"
                : cause instanceof TimeoutException ? "timed out"
                        : cause instanceof IOException ? "connection failed" : "submission failed";
        return new Result(Kind.TRANSIENT, what + ": " + trim(String.valueOf(cause.getMessage())), latency);
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static String trim(String s) {
        return s == null ? "" : s.length() > 500 ? s.substring(0, 500) : s;
    }
}
