#!/bin/sh
# Runs once, when the PostgreSQL container creates its database: the role Valjean runs as.
# It gets its grants from Valjean's migrations (rows only: no DDL, no TRUNCATE, not the owner).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE valjean_app LOGIN PASSWORD '${VALJEAN_APP_DB_PASSWORD}';
SQL
