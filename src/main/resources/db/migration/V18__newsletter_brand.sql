-- A newsletter's public face: the name and accent colour its hosted pages and embedded form show,
-- and a logo uploaded through the console and served by Valjean (PNG, JPEG, GIF or WebP; no SVG,
-- which can carry scripts).
ALTER TABLE newsletter
    ADD COLUMN brand_name    text  CHECK (length(brand_name) BETWEEN 1 AND 80 AND brand_name !~ '[\r\n]'),
    ADD COLUMN accent_colour text  CHECK (accent_colour ~ '^#[0-9a-f]{6}$'),
    ADD COLUMN logo          bytea CHECK (octet_length(logo) <= 204800),
    ADD COLUMN logo_type     text  CHECK (logo_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
    ADD COLUMN logo_hash     text  CHECK (logo_hash ~ '^[0-9a-f]{16}$'),
    ADD CONSTRAINT newsletter_logo_whole CHECK ((logo IS NULL) = (logo_type IS NULL) AND (logo IS NULL) = (logo_hash IS NULL));
