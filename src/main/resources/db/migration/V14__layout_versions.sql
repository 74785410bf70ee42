-- Author layouts edited in the console are stored here, one row per saved version, so every
-- replica renders the same one; the files in templates/ stay the shipped defaults. An issue
-- records the version it was sent with, and its archive page renders with that version.
CREATE TABLE layout_version (
    id         bigserial PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('newsletter', 'nurture')),
    name       text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    version    integer     NOT NULL CHECK (version >= 1),
    html       text        NOT NULL CHECK (length(html) <= 200000),
    text       text        NOT NULL CHECK (length(text) <= 200000),
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by text        NOT NULL CHECK (length(created_by) <= 400),
    UNIQUE (kind, name, version)
);

-- A version once saved is what issues were sent with: it never changes.
CREATE TRIGGER layout_version_append_only BEFORE UPDATE OR DELETE ON layout_version
    FOR EACH ROW EXECUTE FUNCTION reject_change();
REVOKE UPDATE, DELETE ON layout_version FROM ${app_role};

ALTER TABLE issue ADD COLUMN layout_version_id bigint REFERENCES layout_version (id);
