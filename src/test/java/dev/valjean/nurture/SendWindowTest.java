package dev.valjean.nurture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/** The time arithmetic behind respectful sending, without a server. */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SendWindowTest {

    static final SendWindow DEFAULT = new SendWindow(LocalTime.of(9, 0), LocalTime.of(17, 0),
            EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), Duration.ofHours(48), 3);
    static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @Test
    void business_hours_are_the_persons_own() {
        Instant t = Instant.parse("2026-12-01T07:30:00Z"); // Tuesday: 08:30 in Paris, 16:30 in Tokyo
        assertFalse(DEFAULT.isOpen(t, PARIS));
        assertTrue(DEFAULT.isOpen(t, TOKYO));
        assertEquals(Instant.parse("2026-12-01T08:00:00Z"), DEFAULT.nextOpen(t, PARIS));
        assertEquals(t, DEFAULT.nextOpen(t, TOKYO));
        assertFalse(DEFAULT.isOpen(Instant.parse("2026-12-01T16:00:00Z"), PARIS), "17:00 is closed");
    }

    @Test
    void friday_evening_waits_for_monday_morning() {
        assertEquals(Instant.parse("2026-12-07T08:00:00Z"), DEFAULT.nextOpen(Instant.parse("2026-12-04T16:30:00Z"), PARIS));
        assertEquals(Instant.parse("2026-12-07T08:00:00Z"), DEFAULT.nextOpen(Instant.parse("2026-12-05T12:00:00Z"), PARIS));
    }

    @Test
    void daylight_saving_changes_move_the_window_with_the_clock() {
        // Sunday 29 March 2026 Paris moves to summer time; Monday 09:00 is 07:00 UTC.
        assertEquals(Instant.parse("2026-03-30T07:00:00Z"), DEFAULT.nextOpen(Instant.parse("2026-03-28T12:00:00Z"), PARIS));
    }

    @Test
    void business_days_skip_the_weekend_and_keep_the_time_of_day() {
        Instant friday = Instant.parse("2026-12-04T10:00:00Z");
        assertEquals(Instant.parse("2026-12-07T10:00:00Z"), DEFAULT.plusBusinessDays(friday, 1, PARIS));
        assertEquals(Instant.parse("2026-12-11T10:00:00Z"), DEFAULT.plusBusinessDays(friday, 5, PARIS));
        assertEquals(friday, DEFAULT.plusBusinessDays(friday, 0, PARIS));
    }

    @Test
    void the_cap_allows_one_in_two_days_and_three_in_seven() {
        Instant now = Instant.parse("2026-12-10T10:00:00Z");
        assertEquals(now, DEFAULT.capFree(now, List.of()));
        Instant yesterday = now.minus(Duration.ofDays(1));
        assertEquals(yesterday.plus(Duration.ofHours(48)), DEFAULT.capFree(now, List.of(yesterday)));
        List<Instant> three = List.of(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(4)), now.minus(Duration.ofDays(6)));
        assertEquals(now.plus(Duration.ofDays(1)), DEFAULT.capFree(now, three), "a week after the third most recent");
        List<Instant> old = List.of(now.minus(Duration.ofDays(2)), now.minus(Duration.ofDays(4)));
        assertEquals(now, DEFAULT.capFree(now, old));
    }

    @Test
    void the_earliest_moment_keeps_the_cap_and_then_the_hours() {
        Instant thursdayEvening = Instant.parse("2026-12-10T18:00:00Z");
        Instant lastSent = Instant.parse("2026-12-09T08:30:00Z"); // Wednesday
        // Cap frees Friday 08:30 UTC, which is 09:30 in Paris: open.
        assertEquals(Instant.parse("2026-12-11T08:30:00Z"), DEFAULT.earliest(thursdayEvening, List.of(lastSent), PARIS));
        // In Tokyo Friday 08:30 UTC is 17:30: closed until Monday 09:00 Tokyo (Monday 00:00 UTC).
        assertEquals(Instant.parse("2026-12-14T00:00:00Z"), DEFAULT.earliest(thursdayEvening, List.of(lastSent), TOKYO));
    }

    @Test
    void nonsense_settings_are_refused() {
        assertThrows(IllegalArgumentException.class, () -> new SendWindow(LocalTime.of(17, 0), LocalTime.of(9, 0),
                EnumSet.of(DayOfWeek.MONDAY), Duration.ZERO, 1));
        assertThrows(IllegalArgumentException.class, () -> new SendWindow(LocalTime.of(9, 0), LocalTime.of(17, 0),
                EnumSet.noneOf(DayOfWeek.class), Duration.ZERO, 1));
    }
}
