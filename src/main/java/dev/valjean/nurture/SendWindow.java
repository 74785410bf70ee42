package dev.valjean.nurture;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;

/**
 * The respectful-sending rules as pure time arithmetic: business hours in the person's time zone,
 * delays counted in business days, and the frequency cap across all sequences.
 */
public record SendWindow(LocalTime start, LocalTime end, Set<DayOfWeek> workDays, Duration minGap, int maxPerWeek) {

    static final Duration WEEK = Duration.ofDays(7);

    public SendWindow {
        if (!start.isBefore(end) || workDays.isEmpty() || maxPerWeek < 1 || minGap.isNegative()) {
            throw new IllegalArgumentException("valjean.nurture: business hours need start < end, at least one work day, "
                    + "max-per-week >= 1 and a non-negative min-gap");
        }
    }

    static SendWindow of(NurtureConfig c) {
        return new SendWindow(c.windowStart(), c.windowEnd(), c.workDays(), c.minGap(), c.maxPerWeek());
    }

    /** Whether {@code t} falls inside business hours in {@code zone}. */
    public boolean isOpen(Instant t, ZoneId zone) {
        ZonedDateTime local = t.atZone(zone);
        LocalTime time = local.toLocalTime();
        return workDays.contains(local.getDayOfWeek()) && !time.isBefore(start) && time.isBefore(end);
    }

    /** {@code t} if business hours are open then, otherwise the moment they next open. */
    public Instant nextOpen(Instant t, ZoneId zone) {
        if (isOpen(t, zone)) {
            return t;
        }
        ZonedDateTime local = t.atZone(zone);
        ZonedDateTime candidate = local.toLocalTime().isBefore(start) ? local.with(start) : local.plusDays(1).with(start);
        while (!workDays.contains(candidate.getDayOfWeek())) {
            candidate = candidate.plusDays(1).with(start);
        }
        // with(start) on a day where start falls in a DST gap moves it forward; it is still inside the window.
        return candidate.toInstant();
    }

    /** {@code days} business days after {@code from}, at the same local time. */
    public Instant plusBusinessDays(Instant from, int days, ZoneId zone) {
        ZonedDateTime t = from.atZone(zone);
        int left = days;
        while (left > 0) {
            t = t.plusDays(1);
            if (workDays.contains(t.getDayOfWeek())) {
                left--;
            }
        }
        return t.toInstant();
    }

    /**
     * The first moment at or after {@code now} when one more email keeps the cap: none in the last
     * {@code minGap} and fewer than {@code maxPerWeek} in the last seven days.
     *
     * @param recent the person's nurture emails (queued or sent) of the last seven days, newest first
     */
    public Instant capFree(Instant now, List<Instant> recent) {
        Instant t = now;
        if (!recent.isEmpty() && recent.get(0).plus(minGap).isAfter(t)) {
            t = recent.get(0).plus(minGap);
        }
        if (recent.size() >= maxPerWeek && recent.get(maxPerWeek - 1).plus(WEEK).isAfter(t)) {
            t = recent.get(maxPerWeek - 1).plus(WEEK);
        }
        return t;
    }

    /** When a step due at {@code now} may go: the cap first, then the next business hours. */
    public Instant earliest(Instant now, List<Instant> recent, ZoneId zone) {
        return nextOpen(capFree(now, recent), zone);
    }
}
