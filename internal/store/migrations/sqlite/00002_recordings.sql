-- +goose Up
-- rrweb timestamps (first_ts, last_ts, ts) are milliseconds since the Unix
-- epoch, as rrweb records them; other times are microseconds as elsewhere.

-- One row per recorded session: the aggregate that listing reads, so that
-- listing never touches blocks.
CREATE TABLE recordings (
    project_id           INTEGER NOT NULL REFERENCES projects (id),
    session_id           TEXT NOT NULL,
    distinct_id          TEXT NOT NULL,
    first_ts             INTEGER NOT NULL,
    last_ts              INTEGER NOT NULL,
    click_count          INTEGER NOT NULL DEFAULT 0,
    keypress_count       INTEGER NOT NULL DEFAULT 0,
    mouse_activity_count INTEGER NOT NULL DEFAULT 0,
    console_log_count    INTEGER NOT NULL DEFAULT 0,
    console_warn_count   INTEGER NOT NULL DEFAULT 0,
    console_error_count  INTEGER NOT NULL DEFAULT 0,
    active_ms            INTEGER NOT NULL DEFAULT 0,
    event_count          INTEGER NOT NULL DEFAULT 0,
    start_url            TEXT,
    start_url_ts         INTEGER,
    snapshot_source      TEXT NOT NULL DEFAULT 'web',
    snapshot_library     TEXT,
    -- every event's (timestamp, active) point, encoded by the rrweb package,
    -- so that active time is computed over the whole session.
    activity             BLOB NOT NULL,
    block_count          INTEGER NOT NULL DEFAULT 0,
    raw_bytes            INTEGER NOT NULL DEFAULT 0,
    stored_bytes         INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    last_ingested_at     INTEGER NOT NULL,
    PRIMARY KEY (project_id, session_id)
);
CREATE INDEX recordings_start ON recordings (project_id, first_ts);

-- Immutable blocks of a recording: JSONL of [window_id, event], zstd, in the
-- blob store under blob_key.
CREATE TABLE recording_blocks (
    project_id   INTEGER NOT NULL,
    session_id   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    blob_key     TEXT NOT NULL,
    window_id    TEXT NOT NULL,
    first_ts     INTEGER NOT NULL,
    last_ts      INTEGER NOT NULL,
    event_count  INTEGER NOT NULL,
    raw_bytes    INTEGER NOT NULL,
    stored_bytes INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (project_id, session_id, seq),
    FOREIGN KEY (project_id, session_id) REFERENCES recordings (project_id, session_id)
);

CREATE TABLE recording_urls (
    project_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    url        TEXT NOT NULL,
    first_ts   INTEGER NOT NULL,
    PRIMARY KEY (project_id, session_id, url)
);

CREATE TABLE recording_console (
    project_id INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    level      TEXT NOT NULL,
    message    TEXT NOT NULL
);
CREATE INDEX recording_console_session ON recording_console (project_id, session_id, ts);

-- uuids of accepted $snapshot events, so that a retried request is not
-- counted twice.
CREATE TABLE snapshot_uuids (
    project_id INTEGER NOT NULL,
    uuid       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, uuid)
);

CREATE TABLE events (
    project_id  INTEGER NOT NULL REFERENCES projects (id),
    uuid        TEXT NOT NULL,
    event       TEXT NOT NULL,
    distinct_id TEXT NOT NULL,
    session_id  TEXT,
    timestamp   INTEGER NOT NULL,
    current_url TEXT,
    properties  TEXT NOT NULL,
    PRIMARY KEY (project_id, uuid)
);
CREATE INDEX events_session ON events (project_id, session_id, timestamp);

CREATE TABLE persons (
    id         INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects (id),
    uuid       TEXT NOT NULL UNIQUE,
    properties TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
);

CREATE TABLE person_distinct_ids (
    project_id  INTEGER NOT NULL,
    distinct_id TEXT NOT NULL,
    person_id   INTEGER NOT NULL REFERENCES persons (id),
    PRIMARY KEY (project_id, distinct_id)
);
CREATE INDEX person_distinct_ids_person ON person_distinct_ids (person_id);

-- +goose Down
DROP TABLE person_distinct_ids;
DROP TABLE persons;
DROP TABLE events;
DROP TABLE snapshot_uuids;
DROP TABLE recording_console;
DROP TABLE recording_urls;
DROP TABLE recording_blocks;
DROP TABLE recordings;
