package dev.valjean.newsletter;

import java.time.Duration;

/** How often a newsletter promises to arrive; issues inside the interval need an explicit override. */
public enum Cadence {
    WEEKLY(7), BIWEEKLY(14), MONTHLY(28), QUARTERLY(84);

    /** The shortest gap between two issues that keeps the promise. */
    public final Duration minimumGap;

    Cadence(int days) {
        this.minimumGap = Duration.ofDays(days);
    }
}
