-- Mail a person is waiting for goes ahead of an issue (docs/DECISIONS.md 34). The claim takes due
-- rows of every purpose but NEWSLETTER from this index first, then fills the batch with an issue's
-- rows from outbox_due. Without it a confirmation queued while an issue of a million drained waited
-- behind every row of the issue: minutes at full speed, hours under a send rate.
-- Only rows outside an issue are in it, so a fan-out adds nothing to it.
CREATE INDEX outbox_due_prompt ON outbox (next_attempt_at, id) WHERE status = 'QUEUED' AND purpose <> 'NEWSLETTER';
