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

    static String day(Instant at) {
        return at == null ? "" : DAY.format(at);
    }
}
