-- Sites allowed to embed the sign-up form, set in the console (on top of valjean.abuse.embed-origins),
-- and the origins that tried and were refused, so a site owner can learn why their form fails.
CREATE TABLE embed_origin (
    origin   text        PRIMARY KEY CHECK (origin ~ '^https?://[a-z0-9.\[\]:-]+$' AND length(origin) <= 200),
    added_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    added_by text        NOT NULL CHECK (length(added_by) <= 400)
);

CREATE TABLE embed_refusal (
    origin     text        PRIMARY KEY CHECK (length(origin) <= 200),
    first_at   timestamptz NOT NULL,
    last_at    timestamptz NOT NULL,
    attempts   bigint      NOT NULL CHECK (attempts >= 1)
);
CREATE INDEX embed_refusal_recent ON embed_refusal (last_at DESC);
