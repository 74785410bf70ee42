package dev.valjean.delivery;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * Whether this instance can compose mail: every {@link ComposePrerequisite} holds. A replica
 * started without its layouts folder (say) is not ready, and its dispatcher claims nothing, so
 * it neither fails nor sends the shared outbox's rows. Checked at most every few seconds.
 */
@ApplicationScoped
public class ComposeReadiness {

    private static final long RECHECK_NANOS = 5_000_000_000L;

    private final List<ComposePrerequisite> prerequisites;
    private volatile Optional<String> last = Optional.empty();
    private volatile long checkedAt;
    private volatile boolean checked;

    @Inject
    public ComposeReadiness(Instance<ComposePrerequisite> prerequisites) {
        this(prerequisites.stream().toList());
    }

    public ComposeReadiness(List<ComposePrerequisite> prerequisites) {
        this.prerequisites = List.copyOf(prerequisites);
    }

    /** The first thing missing, or empty when this instance can compose mail. */
    public Optional<String> problem() {
        long now = System.nanoTime();
        if (!checked || now - checkedAt > RECHECK_NANOS) {
            last = check();
            checkedAt = now;
            checked = true;
        }
        return last;
    }

    /** Says at start what is missing, so an operator reads it in the log before readiness stays down. */
    void atStart(@Observes StartupEvent event) {
        problem().ifPresentOrElse(
                p -> Log.errorf("This instance cannot compose mail and will not claim any: %s. Readiness stays DOWN until it is fixed.", p),
                () -> Log.debug("Mail composition: everything in place"));
    }

    /** Forgets the cached answer (tests change the configuration under a running instance). */
    public void recheck() {
        checked = false;
    }

    private Optional<String> check() {
        for (ComposePrerequisite p : prerequisites) {
            Optional<String> problem;
            try {
                problem = p.problem();
            } catch (RuntimeException e) {
                problem = Optional.of("could not check: " + e.getMessage());
            }
            if (problem.isPresent()) {
                return problem;
            }
        }
        return Optional.empty();
    }
}
