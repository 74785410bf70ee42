package dev.valjean.common;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The answer of an endpoint that runs on the event loop (it returns a stage) and waits for work
 * done on another thread, a shared transaction's (docs/DECISIONS.md 37): the answer is made and
 * written on the request's own event loop once the work is done, so the thread that did the work
 * goes straight back to it and no thread waits in between. A failure reaches Quarkus REST as the
 * exception the work threw, for its exception mappers.
 */
public final class EventLoopAnswer {

    private EventLoopAnswer() {
    }

    /** Call on the request's event loop: {@code answer} of the work's result, on that event loop. */
    public static <T, A> CompletionStage<A> when(CompletableFuture<T> work, Function<T, A> answer) {
        Context loop = Vertx.currentContext();
        CompletableFuture<A> answered = new CompletableFuture<>();
        work.whenComplete((result, failure) -> {
            Runnable reply = () -> {
                if (failure != null) {
                    answered.completeExceptionally(failure instanceof CompletionException && failure.getCause() != null
                            ? failure.getCause() : failure);
                    return;
                }
                try {
                    answered.complete(answer.apply(result));
                } catch (RuntimeException e) {
                    answered.completeExceptionally(e);
                }
            };
            if (loop == null) {
                reply.run();
            } else {
                loop.runOnContext(v -> reply.run());
            }
        });
        return answered;
    }
}
