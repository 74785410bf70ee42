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
}
