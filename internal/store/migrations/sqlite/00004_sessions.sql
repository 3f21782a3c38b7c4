-- +goose Up
-- A user's password, as an argon2id PHC string; NULL when the user has
-- none and cannot sign in with a password.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- Browser sessions. Only a hash of the session token is kept: the token
-- itself lives in the browser's cookie.
CREATE TABLE user_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_expires ON user_sessions (expires_at);

-- +goose Down
DROP INDEX user_sessions_expires;
DROP INDEX user_sessions_user;
DROP TABLE user_sessions;
ALTER TABLE users DROP COLUMN password_hash;
