-- Newsletters and the versioned consent text shown on their forms.

CREATE TABLE newsletter (
    id             bigserial PRIMARY KEY,
    slug           text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name           text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    description    text        CHECK (length(description) <= 1000),
    cadence        text        NOT NULL CHECK (cadence IN ('WEEKLY', 'BIWEEKLY', 'MONTHLY', 'QUARTERLY')),
    sender_name    text        NOT NULL CHECK (length(sender_name) BETWEEN 1 AND 100 AND sender_name !~ '[\r\n]'),
    sender_address text        NOT NULL CHECK (length(sender_address) <= 254 AND sender_address !~ '[\r\n]'),
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

-- Every consent text ever shown stays as it was: consent records point at the version a person saw.
CREATE TABLE consent_text (
    id            bigserial PRIMARY KEY,
    newsletter_id bigint      NOT NULL REFERENCES newsletter (id),
    version       integer     NOT NULL CHECK (version >= 1),
    text          text        NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    created_at    timestamptz NOT NULL,
    UNIQUE (newsletter_id, version)
);

CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER consent_text_append_only BEFORE UPDATE OR DELETE ON consent_text
    FOR EACH ROW EXECUTE FUNCTION reject_change();
