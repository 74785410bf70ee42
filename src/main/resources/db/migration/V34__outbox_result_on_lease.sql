-- Issue 15: a message's result is written onto its lease first and moved into its outbox row with
-- the rest of its batch (docs/DECISIONS.md 39). A connection's reservation is held until its result
-- is committed (DECISIONS 7), so that commit is what bounds delivery. Rewriting the outbox row there
-- opened the outbox's indexes and checked its constraints once per small group of results, and added
-- a new entry to five indexes a row. A lease row has one index, which a result leaves unchanged, so
-- the result is a HOT update of a small row; the outbox row changes once per batch.
--
-- A lease with a result is no longer in flight: its expiry leaves it alone, and whoever moves results
-- (the batch's own loop, or any instance's look for expired leases) moves it.
ALTER TABLE outbox_lease
    ADD COLUMN result      text,
    ADD COLUMN reason      text,
    ADD COLUMN reply       text,
    ADD COLUMN next_at     timestamptz,
    ADD COLUMN sent_at     timestamptz,
    ADD COLUMN refund      integer,
    ADD COLUMN recorded_at timestamptz,
    ADD CONSTRAINT outbox_lease_result_check CHECK (result IS NULL OR (result IN ('QUEUED', 'SENT', 'FAILED', 'SKIPPED')
        AND refund IN (0, 1) AND recorded_at IS NOT NULL));
-- Room on each page for a row's result next to it (a HOT update needs its page to have room).
ALTER TABLE outbox_lease SET (fillfactor = 50);
