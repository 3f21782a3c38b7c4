-- +goose Up
-- Times are whole microseconds since the Unix epoch (UTC), so the same
-- queries sort and compare them on SQLite and PostgreSQL.

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    uuid            TEXT NOT NULL UNIQUE,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    api_token       TEXT NOT NULL UNIQUE,
    timezone        TEXT NOT NULL DEFAULT 'UTC',
    created_at      INTEGER NOT NULL
);
CREATE INDEX projects_organization ON projects (organization_id);

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    uuid              TEXT NOT NULL UNIQUE,
    email             TEXT NOT NULL UNIQUE,
    first_name        TEXT NOT NULL DEFAULT '',
    last_name         TEXT NOT NULL DEFAULT '',
    distinct_id       TEXT NOT NULL UNIQUE,
    is_email_verified INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL
);

CREATE TABLE memberships (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- scopes is a comma-separated list; projects is a comma-separated list of
-- project ids the key is limited to, or empty for every project.
CREATE TABLE personal_api_keys (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    label        TEXT NOT NULL DEFAULT '',
    secure_value TEXT NOT NULL UNIQUE,
    mask_value   TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    projects     TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);
CREATE INDEX personal_api_keys_user ON personal_api_keys (user_id);

CREATE TABLE playlists (
    id               INTEGER PRIMARY KEY,
    project_id       INTEGER NOT NULL REFERENCES projects (id),
    short_id         TEXT NOT NULL,
    name             TEXT,
    derived_name     TEXT,
    description      TEXT NOT NULL DEFAULT '',
    pinned           INTEGER NOT NULL DEFAULT 0,
    deleted          INTEGER NOT NULL DEFAULT 0,
    filters          TEXT NOT NULL DEFAULT '{}',
    type             TEXT NOT NULL CHECK (type IN ('collection', 'filters')),
    created_at       INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users (id),
    last_modified_at INTEGER NOT NULL,
    last_modified_by INTEGER REFERENCES users (id),
    UNIQUE (project_id, short_id)
);
CREATE INDEX playlists_project_modified ON playlists (project_id, deleted, last_modified_at);

-- A collection's pinned recordings. The recording may not have arrived yet,
-- so session_id is not a foreign key.
CREATE TABLE playlist_items (
    playlist_id INTEGER NOT NULL REFERENCES playlists (id),
    session_id  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (playlist_id, session_id)
);
CREATE INDEX playlist_items_session ON playlist_items (session_id);

-- Which user watched which recording.
CREATE TABLE recording_views (
    project_id INTEGER NOT NULL REFERENCES projects (id),
    session_id TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    viewed_at  INTEGER NOT NULL,
    PRIMARY KEY (project_id, session_id, user_id)
);

-- +goose Down
DROP TABLE recording_views;
DROP TABLE playlist_items;
DROP TABLE playlists;
DROP TABLE personal_api_keys;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE projects;
DROP TABLE organizations;
