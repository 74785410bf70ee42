package dev.valjean.delivery;

/**
 * Fired when a transaction queues a single message for sending. {@link DispatchJob} observes it
 * after the transaction commits and starts sending soon, rather than on its next poll.
 */
public record MessageQueued(Purpose purpose) {
}
