-- Issue 15: ANALYZE reads 300 rows for each unit of the largest statistics target among a table's
-- columns, 30,000 rows at the default of 100. The outbox is analyzed most often of all tables (each
-- message changes it twice) and its rows are wide (a confirmation carries its bodies): on the sign-up
-- bench's outbox of 226,000 rows ANALYZE took 0.51-0.59 s alone and about 4 s under the sign-up load,
-- and the slowest sign-ups at a fixed rate fell in those seconds (docs/BENCHMARKS.md, twenty-third
-- session). At 20 it reads 6,000 rows and took 0.08-0.09 s. These tables are read by their keys and by
-- the status of a row; a sample of 6,000 still gives a status's share within about a per cent.
-- The subscription and contact tables keep the default: the console searches them and the fan-out
-- plans its parts on them. A column added to one of these tables later must say its target too
-- (PlannerStatisticsTest).
DO $$
DECLARE
    t text;
    columns text;
BEGIN
    FOREACH t IN ARRAY ARRAY['outbox', 'consent_event', 'consent_evidence', 'subscription_request', 'subscription_request_item'] LOOP
        SELECT string_agg(format('ALTER COLUMN %I SET STATISTICS 20', attname), ', ' ORDER BY attnum) INTO columns
        FROM pg_attribute WHERE attrelid = t::regclass AND attnum > 0 AND NOT attisdropped;
        EXECUTE format('ALTER TABLE %I %s', t, columns);
    END LOOP;
END
$$;
