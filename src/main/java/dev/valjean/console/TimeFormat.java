package dev.valjean.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import io.quarkus.qute.TemplateExtension;

/** Times on console pages, as people read them: "2 Dec 2026, 09:24 UTC". */
@TemplateExtension
public final class TimeFormat {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("EEE d MMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private TimeFormat() {
    }

    static String when(Instant at) {
        return at == null ? "" : WHEN.format(at);
    }

    /** A time in a person's zone, as they would read it ("8 Dec 2026, 11:00 Europe/Berlin"); UTC when they have none. */
    static String whenIn(Instant at, String zone) {
        if (at == null) {
            return "";
        }
        java.time.ZoneId id;
        try {
            id = zone == null || zone.isBlank() ? ZoneOffset.UTC : java.time.ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            id = ZoneOffset.UTC;
        }
        return DateTimeFormatter.ofPattern("EEE d MMM yyyy, HH:mm", Locale.ENGLISH).withZone(id).format(at)
                + (id == ZoneOffset.UTC ? " UTC" : " " + id.getId());
    }

    /** A count over some minutes as a rate a minute, one decimal. */
    static String perMinute(long count, int minutes) {
        return String.format(Locale.ENGLISH, "%.1f", count / (double) minutes);
    }

    static String day(Instant at) {
        return at == null ? "" : DAY.format(at);
    }
}
