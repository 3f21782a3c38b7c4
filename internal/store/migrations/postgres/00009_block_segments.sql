-- +goose Up
-- The snapshot sources a compacted block holds: one for each block it was
-- compacted from (their times and JSONL lengths, store.Segments), so that
-- the sources listed before compaction keep their keys and their events.
-- NULL for a block that is one source (as ingest writes them).
ALTER TABLE recording_blocks ADD COLUMN segments bytea;

-- +goose Down
ALTER TABLE recording_blocks DROP COLUMN segments;
