package dev.valjean.nurture;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.Set;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** When and how often sequences may write to a person ({@code valjean.nurture.*}). */
@ConfigMapping(prefix = "valjean.nurture")
public interface NurtureConfig {

    /** Start of business hours in the contact's time zone. */
    @WithDefault("09:00")
    LocalTime windowStart();

    /** End of business hours (exclusive). */
    @WithDefault("17:00")
    LocalTime windowEnd();

    /** Business days. */
    @WithDefault("MONDAY,TUESDAY,WEDNESDAY,THURSDAY,FRIDAY")
    Set<DayOfWeek> workDays();

    /** Time zone for contacts whose zone the CRM did not send. */
    @WithDefault("UTC")
    String defaultTimeZone();

    /** Frequency cap: least time between two nurture emails to one person, across all sequences. */
    @WithDefault("48h")
    Duration minGap();

    /** Frequency cap: most nurture emails to one person in any seven days, across all sequences. */
    @WithDefault("3")
    int maxPerWeek();

    /** How often due steps are advanced (a scheduler interval, or "off"). */
    @WithDefault("60s")
    String advanceEvery();

    /** Enrollments claimed per transaction. */
    @WithDefault("100")
    int batchSize();

    /** List-Id host part for nurture mail; defaults to the public URL's host. */
    java.util.Optional<String> listHost();
}
