package dev.valjean.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.inject.Inject;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The tables every sign-up and every message write are analyzed from small samples (V32): ANALYZE
 * reads 300 rows per unit of the largest target among a table's columns, so one column left at the
 * default would bring back the full 30,000-row sample. Read off the schema, so a column added later
 * without its target fails here.
 */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class PlannerStatisticsTest {

    static final String SAMPLED_SMALL = "'outbox', 'consent_event', 'consent_evidence', 'subscription_request', 'subscription_request_item'";

    @Inject
    TestData data;

    /** The columns of the named tables in this schema, as a FROM clause with its WHERE. */
    static String columnsOf(String tables) {
        return """
                 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = current_schema()::regnamespace AND c.relname IN (%s) AND a.attnum > 0 AND NOT a.attisdropped"""
                .formatted(tables);
    }

    @Test
    void every_column_of_the_busiest_tables_has_a_statistics_target_of_at_most_20() throws Exception {
        String columns = columnsOf(SAMPLED_SMALL);
        assertEquals(5, data.count("SELECT count(DISTINCT c.relname) " + columns), "the five tables exist in this schema");
        assertTrue(data.count("SELECT count(*) " + columns) >= 40, "their columns are all read");
        // the default (default_statistics_target, 100) reads as -1 here, and as NULL from PostgreSQL 17 on
        assertEquals(null, data.text("SELECT string_agg(c.relname || '.' || a.attname, ', ') " + columns
                + " AND (COALESCE(a.attstattarget, -1) < 0 OR a.attstattarget > 20)"));
    }

    @Test
    void the_tables_the_console_searches_keep_the_default_sample() throws Exception {
        String columns = columnsOf("'contact', 'subscription'");
        assertTrue(data.count("SELECT count(*) " + columns) >= 10, "their columns are all read");
        assertEquals(0, data.count("SELECT count(*) " + columns + " AND COALESCE(a.attstattarget, -1) >= 0"));
    }
}
