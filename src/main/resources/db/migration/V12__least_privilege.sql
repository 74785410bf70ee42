-- Least privilege: Flyway migrates as the schema's owner; the application runs as ${app_role},
-- which reads and writes rows and nothing more. It cannot alter tables, so it cannot switch off
-- the consent ledger's trigger (that needs ownership), and it cannot truncate.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${app_role}') THEN
        -- Where the migrating role may not create roles, a DBA creates this one first (see README).
        CREATE ROLE ${app_role} LOGIN;
    END IF;
END $$;

GRANT USAGE ON SCHEMA ${flyway:defaultSchema} TO ${app_role};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${flyway:defaultSchema} TO ${app_role};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${flyway:defaultSchema} TO ${app_role};
-- Tables and sequences later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA ${flyway:defaultSchema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${app_role};
ALTER DEFAULT PRIVILEGES IN SCHEMA ${flyway:defaultSchema} GRANT USAGE, SELECT ON SEQUENCES TO ${app_role};

-- The ledger is append-only for the application even before its trigger is asked.
REVOKE UPDATE, DELETE ON consent_event FROM ${app_role};
-- The migration history is the owner's.
REVOKE INSERT, UPDATE, DELETE ON flyway_schema_history FROM ${app_role};
