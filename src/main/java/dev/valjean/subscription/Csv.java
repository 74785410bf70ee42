package dev.valjean.subscription;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import dev.valjean.common.ValjeanException;

/**
 * RFC 4180 CSV read by Apache Commons CSV: comma-separated, double-quoted fields may hold commas,
 * quotes ("") and line breaks. A malformed file (a quote never closed, text after a closing quote)
 * is refused whole with 422 CSV_MALFORMED naming the line, never read past or patched up.
 */
final class Csv {

    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setIgnoreEmptyLines(true).get();

    private Csv() {
    }

    static List<List<String>> parse(String text) {
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        List<List<String>> rows = new ArrayList<>();
        try (CSVParser parser = FORMAT.parse(new StringReader(body))) {
            for (CSVRecord record : parser) {
                rows.add(record.toList());
            }
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            String reason = e.getMessage() == null ? "" : e.getMessage();
            String what = reason.contains("EOF") ? "a quoted field is never closed"
                    : reason.contains("between encapsulated token and delimiter") ? "text follows a closing quote"
                    : "the file is not RFC 4180 CSV";
            String line = reason.replaceAll("(?s).*\\(line (\\d+)\\).*", "$1");
            throw ValjeanException.invalid("CSV_MALFORMED", "The CSV is malformed: " + what
                    + (line.matches("\\d+") ? " (line " + line + ")" : "") + ". Nothing was imported.");
        }
        return rows;
    }
}
