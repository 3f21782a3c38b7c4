-- +goose Up
ALTER TABLE projects ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 30;

-- The last counts of a filters playlist's matches, refreshed in the
-- background. session_ids is a JSON array of the matched recordings (at
-- most the cap), for the watched count.
CREATE TABLE playlist_counts (
    playlist_id    BIGINT PRIMARY KEY REFERENCES playlists (id),
    count          INTEGER NOT NULL,
    has_more       BOOLEAN NOT NULL,
    previous_count INTEGER,
    session_ids    TEXT NOT NULL,
    refreshed_at   BIGINT NOT NULL
);

CREATE INDEX playlist_items_created ON playlist_items (playlist_id, created_at);
CREATE INDEX recordings_ingested ON recordings (last_ingested_at);

-- +goose Down
DROP INDEX recordings_ingested;
DROP INDEX playlist_items_created;
DROP TABLE playlist_counts;
ALTER TABLE projects DROP COLUMN retention_days;
