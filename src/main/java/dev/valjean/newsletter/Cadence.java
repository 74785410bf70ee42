package dev.valjean.newsletter;

import java.time.Duration;

/** How often a newsletter promises to arrive; issues inside the interval need an explicit override. */
public enum Cadence {
    WEEKLY(7, "once a week"), BIWEEKLY(14, "every two weeks"), MONTHLY(28, "once a month"), QUARTERLY(84, "once a quarter");

    /** The shortest gap between two issues that keeps the promise. */
    public final Duration minimumGap;
    /** The promise in words, as forms and emails show it. */
    public final String phrase;

    Cadence(int days, String phrase) {
        this.minimumGap = Duration.ofDays(days);
        this.phrase = phrase;
    }
}
