package dev.valjean.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SqlTest {

    static final String MODE = "SELECT current_setting('plan_cache_mode') AS mode";

    @Inject
    Sql sql;

    String mode() {
        return sql.rows(MODE).get(0).get("mode").toString();
    }

    @Test
    void generic_plans_hold_from_the_next_statement_to_the_end_of_the_transaction_and_no_further() {
        List<String> seen = QuarkusTransaction.requiringNew().call(() -> {
            String before = mode();
            sql.genericPlansForThisTransaction();
            return List.of(before, mode(), mode());
        });
        assertEquals(List.of("auto", "force_generic_plan", "force_generic_plan"), seen);
        assertEquals("auto", QuarkusTransaction.requiringNew().call(this::mode), "a later transaction on the pooled connection");
    }

    @Test
    void the_setting_rides_on_an_update_whose_count_is_still_returned() {
        var seen = QuarkusTransaction.requiringNew().call(() -> {
            sql.update("CREATE TEMP TABLE sql_test (x int) ON COMMIT DROP");
            sql.genericPlansForThisTransaction();
            int added = sql.update("INSERT INTO sql_test VALUES (1), (2), (3)");
            return Map.of("added", added, "mode", mode());
        });
        assertEquals(3, seen.get("added"));
        assertEquals("force_generic_plan", seen.get("mode"));
    }

    @Test
    void several_queries_return_their_rows_in_order_with_or_without_the_setting() {
        List<Sql.Query> queries = List.of(new Sql.Query("SELECT x FROM generate_series(1, ?) x", 3),
                new Sql.Query("SELECT 'b' AS y WHERE false"), new Sql.Query(MODE));
        var plain = sql.all(queries);
        assertEquals(List.of(Map.of("x", 1), Map.of("x", 2), Map.of("x", 3)), plain.get(0));
        assertEquals(List.of(), plain.get(1));
        assertEquals("auto", plain.get(2).get(0).get("mode"));

        var generic = QuarkusTransaction.requiringNew().call(() -> {
            sql.genericPlansForThisTransaction();
            return sql.all(queries);
        });
        assertEquals(3, generic.get(0).size());
        assertEquals("force_generic_plan", generic.get(2).get(0).get("mode"));
    }

    @Test
    void a_query_sent_with_others_cannot_hold_a_statement_of_its_own_and_the_setting_needs_a_transaction() {
        assertThrows(IllegalArgumentException.class,
                () -> sql.all(List.of(new Sql.Query("SELECT 1"), new Sql.Query("SELECT 2; DELETE FROM contact"))));
        assertThrows(IllegalStateException.class, () -> sql.genericPlansForThisTransaction());
    }

    @Inject
    javax.sql.DataSource dataSource;

    /** Rows of the table as this transaction's connection sees them, read past Sql (so nothing held rides along). */
    long seenDirectly(String table) throws java.sql.SQLException {
        try (var c = dataSource.getConnection(); var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    long count(String table) {
        return sql.firstLong("SELECT count(*) FROM " + table).orElseThrow();
    }

    @Test
    void a_held_write_runs_in_front_of_the_next_statement_and_that_statement_still_returns_its_own_result() {
        var seen = QuarkusTransaction.requiringNew().call(() -> {
            sql.update("CREATE TEMP TABLE sql_held (x int) ON COMMIT DROP");
            sql.updateLater("INSERT INTO sql_held VALUES (?)", 1);
            sql.updateLater("INSERT INTO sql_held VALUES (?), (?)", 2, 3);
            long before = seenDirectly("sql_held");
            sql.genericPlansForThisTransaction();
            int added = sql.update("INSERT INTO sql_held SELECT x + 10 FROM sql_held"); // sees the held rows: they ran first
            sql.updateLater("DELETE FROM sql_held WHERE x = ?", 11);
            var rows = sql.all(List.of(new Sql.Query("SELECT x FROM sql_held ORDER BY x"), new Sql.Query(MODE)));
            return Map.of("before", before, "added", added, "rows", rows.get(0).stream().map(r -> r.get("x")).toList(), "mode",
                    rows.get(1).get(0).get("mode"));
        });
        assertEquals(0L, seen.get("before"), "held until the next statement");
        assertEquals(3, seen.get("added"));
        assertEquals(List.of(1, 2, 3, 12, 13), seen.get("rows"));
        assertEquals("force_generic_plan", seen.get("mode"));
    }

    static final String HELD = "INSERT INTO suppression (email_hash, reason, created_at) VALUES (?, ?, now())";

    List<String> held() {
        return sql.rows("SELECT email_hash FROM suppression WHERE email_hash LIKE 'sql-held-%' ORDER BY 1").stream()
                .map(r -> r.get("email_hash").toString()).toList();
    }

    @Test
    void a_held_write_with_no_statement_after_it_is_sent_before_the_commit_and_not_at_all_on_a_rollback() {
        sql.update("DELETE FROM suppression WHERE email_hash LIKE 'sql-held-%'");
        try {
            QuarkusTransaction.requiringNew().run(() -> sql.updateLater(HELD, "sql-held-1", "HARD_BOUNCE"));
            assertEquals(List.of("sql-held-1"), held(), "sent before the commit");

            assertThrows(IllegalStateException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
                sql.updateLater(HELD, "sql-held-2", "HARD_BOUNCE");
                throw new IllegalStateException("the caller fails");
            }));
            assertEquals(List.of("sql-held-1"), held(), "a rolled-back transaction's held write is dropped");

            // a held write that fails at the commit fails the transaction, with what was written before it
            assertThrows(RuntimeException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
                sql.update(HELD, "sql-held-3", "HARD_BOUNCE");
                sql.updateLater(HELD, "sql-held-4", "NOT_A_REASON");
            }));
            assertEquals(List.of("sql-held-1"), held());

            // and so does one that fails in front of the next statement
            assertThrows(IllegalStateException.class, () -> QuarkusTransaction.requiringNew().run(() -> {
                sql.update(HELD, "sql-held-5", "HARD_BOUNCE");
                sql.updateLater(HELD, "sql-held-6", "NOT_A_REASON");
                sql.rows("SELECT 1");
            }));
            assertEquals(List.of("sql-held-1"), held());
        } finally {
            sql.update("DELETE FROM suppression WHERE email_hash LIKE 'sql-held-%'");
        }
    }

    @Test
    void a_write_is_held_only_in_a_transaction_and_only_alone() {
        assertThrows(IllegalStateException.class, () -> sql.updateLater("DELETE FROM contact WHERE false"));
        assertThrows(IllegalArgumentException.class, () -> QuarkusTransaction.requiringNew()
                .run(() -> sql.updateLater("DELETE FROM contact WHERE false; DELETE FROM contact")));
    }
}
