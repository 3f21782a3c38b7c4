-- +goose Up
-- The columns SQLite's count cache reads (see the SQLite migration).
-- PostgreSQL counts every time and nothing fills them: they are here so
-- that both schemas hold the same tables and columns.
ALTER TABLE recordings ADD COLUMN list_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE list_versions ADD COLUMN trimmed BIGINT NOT NULL DEFAULT 0;
CREATE TABLE list_removals (
    project_id BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    row_id     BIGINT NOT NULL,
    removed_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE list_removals;
ALTER TABLE list_versions DROP COLUMN trimmed;
ALTER TABLE recordings DROP COLUMN list_version;
