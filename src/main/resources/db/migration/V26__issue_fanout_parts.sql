-- An issue's fan-out in parts (issue 15: one INSERT ... SELECT of a million outbox rows ran on one
-- core for 20 s). Sending an issue records its parts, ranges of subscription ids of about the same
-- size, in the transaction that starts it; each part is then expanded into outbox rows in its own
-- transaction, which also marks the part done, so parts run side by side (on several cores and
-- instances) and a crash leaves only whole parts to do again (IssueFanout).
CREATE TABLE issue_fanout (
    issue_id   bigint      NOT NULL REFERENCES issue (id),
    part       int         NOT NULL,
    after_id   bigint      NOT NULL, -- subscription ids above this one
    through_id bigint      NOT NULL, -- ... up to and including this one
    added      int,
    done_at    timestamptz,
    PRIMARY KEY (issue_id, part),
    CHECK (after_id < through_id),
    CHECK ((done_at IS NULL) = (added IS NULL))
);
CREATE INDEX issue_fanout_pending ON issue_fanout (issue_id, part) WHERE done_at IS NULL;

-- A part reads its range of the newsletter's confirmed subscribers, and the parts' bounds are
-- found by walking them in id order: the index carries the id (it replaces one on newsletter_id).
CREATE INDEX subscription_newsletter_confirmed_id ON subscription (newsletter_id, id) WHERE status = 'CONFIRMED';
DROP INDEX subscription_newsletter_confirmed;
