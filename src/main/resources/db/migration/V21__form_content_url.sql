-- What a person gets after submitting a hosted form: the download, or the event's page.
ALTER TABLE form ADD COLUMN content_url text CHECK (content_url IS NULL OR (length(content_url) <= 2000 AND content_url ~ '^https?://'));
