-- +goose Up
-- A block's compressed bytes are either in the blob store, under blob_key,
-- or here in data, with blob_key = '' (exactly one of the two is set).
-- Ingest writes blocks inline, in the transaction that acknowledges them;
-- compaction moves a recording's blocks to the blob store once it is idle.
ALTER TABLE recording_blocks ADD COLUMN data bytea;

-- +goose Down
ALTER TABLE recording_blocks DROP COLUMN data;
