-- Issue 15: recording a batch of results went through every row in flight. The statement asked for
-- status = 'SENDING', which the partial index outbox_leased matches; the statistics, taken when
-- nothing was being sent, said that index held one row, so the planner walked all the rows in
-- flight (hundreds to thousands) for each batch of about six results instead of looking each up
-- by its key. The lease's owner alone says a row is being sent (only the claim sets it; the
-- result and the expiry clear it), so the statement now asks for the owner only, and this
-- constraint makes that a fact of the schema rather than of the code.
ALTER TABLE outbox ADD CONSTRAINT outbox_lease_only_while_sending
    CHECK (lease_owner IS NULL OR status = 'SENDING') NOT VALID;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_lease_only_while_sending;

-- Every UPDATE re-checks every CHECK constraint, and length(body_text) decompressed and counted
-- the characters of the whole text body twice per message (claim and result). A comparison with
-- the empty string answers from the stored length. Same rule: no empty text body.
ALTER TABLE outbox DROP CONSTRAINT outbox_body_text_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_body_text_check CHECK (body_text <> '') NOT VALID;
ALTER TABLE outbox VALIDATE CONSTRAINT outbox_body_text_check;
