-- +goose Up
-- The columns SQLite's count cache reads (see the SQLite migration).
-- PostgreSQL counts every time and nothing fills them: they are here so
-- that both schemas hold the same tables and columns.
ALTER TABLE recordings ADD COLUMN list_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE list_versions ADD COLUMN removed BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE list_versions DROP COLUMN removed;
ALTER TABLE recordings DROP COLUMN list_version;
