-- +goose Up
-- How many of a recording's blocks (seq 0 to compacted_blocks - 1) were
-- written by compaction. A recording with more blocks than that, idle for a
-- while, is compacted again; the partial index finds those cheaply.
ALTER TABLE recordings ADD COLUMN compacted_blocks INTEGER NOT NULL DEFAULT 0;
CREATE INDEX recordings_to_compact ON recordings (last_ingested_at) WHERE block_count > compacted_blocks;

-- Blocks in the order the snapshots endpoint serves them, so that reading
-- a range of a long recording's blocks needs no sort of all of them.
CREATE INDEX recording_blocks_time ON recording_blocks (project_id, session_id, first_ts, seq);

-- +goose Down
DROP INDEX recording_blocks_time;
DROP INDEX recordings_to_compact;
ALTER TABLE recordings DROP COLUMN compacted_blocks;
