package dev.valjean.delivery;

import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

/**
 * Whether this instance is fanning out an issue. While it is, its dispatcher claims no issue's
 * rows, only mail outside issues (confirmations first), so the fan-out has the machine to itself
 * and ends sooner; once it ends, a pass starts at once. Other instances are not held
 * (docs/DECISIONS.md 34).
 */
@ApplicationScoped
public class BulkHold {

    private final AtomicInteger fanouts = new AtomicInteger();
    private final Event<MessageQueued> queued;

    public BulkHold(Event<MessageQueued> queued) {
        this.queued = queued;
    }

    /** A fan-out starts: issue rows wait until every fan-out started here has ended. */
    public Hold hold() {
        fanouts.incrementAndGet();
        return new Hold();
    }

    /** Whether the dispatcher may claim issue rows now. */
    public boolean bulkAllowed() {
        return fanouts.get() == 0;
    }

    /** One fan-out's hold; closing it more than once releases it once. */
    public final class Hold implements AutoCloseable {
        private boolean closed;

        private Hold() {
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (fanouts.decrementAndGet() == 0) {
                // Not in a transaction: DispatchJob's observer asks for a pass now.
                queued.fire(new MessageQueued(Purpose.NEWSLETTER));
            }
        }
    }
}
