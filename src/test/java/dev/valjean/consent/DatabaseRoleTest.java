package dev.valjean.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

import dev.valjean.support.SmtpServers;
import dev.valjean.support.TestData;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The application's database role reads and writes rows, and can neither change the schema nor switch off the ledger. */
@QuarkusTest
@QuarkusTestResource(SmtpServers.class)
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class DatabaseRoleTest {

    @Inject
    TestData data;

    @BeforeEach
    void reset() throws Exception {
        data.reset();
    }

    @Test
    void the_application_runs_as_its_own_role_without_superuser_or_ownership() throws Exception {
        assertEquals("valjean_app", data.text("SELECT current_user"));
        assertEquals("false", data.text("SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
        assertEquals(0L, data.count("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"),
                "owns no table");
    }

    @Test
    void the_application_role_cannot_disable_the_ledger_trigger_truncate_or_alter_tables() {
        for (String sql : new String[] {
                "ALTER TABLE consent_event DISABLE TRIGGER consent_event_append_only",
                "ALTER TABLE consent_event DISABLE TRIGGER ALL",
                "TRUNCATE consent_event CASCADE",
                "DROP TRIGGER consent_event_no_truncate ON consent_event",
                "ALTER TABLE outbox DROP CONSTRAINT outbox_pkey",
                "CREATE TABLE sneaky (id int)",
                "UPDATE consent_event SET event = 'CONFIRMED'",
                "DELETE FROM consent_event" }) {
            SQLException refused = assertThrows(SQLException.class, () -> data.execute(sql), sql);
            assertTrue(refused.getMessage().contains("permission denied") || refused.getMessage().contains("must be owner"),
                    sql + ": " + refused.getMessage());
        }
    }
}
