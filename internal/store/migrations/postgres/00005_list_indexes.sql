-- +goose Up
-- Indexes for the recordings list. The start index replaces
-- recordings_start: it is in the default order (newest first, then by
-- session id) and holds the session id, so that a page of the default list
-- and its deep offsets are read from the index alone.
DROP INDEX recordings_start;
CREATE INDEX recordings_list_start ON recordings (project_id, first_ts DESC, session_id);

-- The recordings of a distinct id (distinct_ids, person_uuid and person
-- property filters start from these).
CREATE INDEX recordings_distinct ON recordings (project_id, distinct_id, first_ts);

-- One index per sort key of the list, on the same expression as the ORDER
-- BY the recording package writes, then the session id (the last sort key)
-- and the start (the retention bound), so that a page is read in order
-- from the index without sorting the project's recordings.
CREATE INDEX recordings_order_duration ON recordings (project_id, ((last_ts - first_ts) / 1000), session_id, first_ts);
CREATE INDEX recordings_order_active ON recordings (project_id, active_ms, session_id, first_ts);
CREATE INDEX recordings_order_inactive ON recordings (project_id, (CASE WHEN ((last_ts - first_ts) / 1000) * 1000 > active_ms THEN CAST(((last_ts - first_ts) / 1000) * 1000 - active_ms AS DOUBLE PRECISION) / 1000 ELSE 0 END), session_id, first_ts);
CREATE INDEX recordings_order_errors ON recordings (project_id, console_error_count, session_id, first_ts);
CREATE INDEX recordings_order_clicks ON recordings (project_id, click_count, session_id, first_ts);
CREATE INDEX recordings_order_keypresses ON recordings (project_id, keypress_count, session_id, first_ts);
CREATE INDEX recordings_order_mouse ON recordings (project_id, mouse_activity_count, session_id, first_ts);
CREATE INDEX recordings_order_score ON recordings (project_id, COALESCE((CASE WHEN (mouse_activity_count + ((last_ts - first_ts) / 1000) + console_error_count + console_log_count + console_warn_count) = 0 THEN NULL ELSE FLOOR(((100 * ((CAST(active_ms AS DOUBLE PRECISION) / 1000) + (click_count + keypress_count + console_error_count))) / (mouse_activity_count + ((last_ts - first_ts) / 1000) + console_error_count + console_log_count + console_warn_count)) * 100 + 0.5) / 100 END), -1), session_id, first_ts);
CREATE INDEX recordings_order_score_asc ON recordings (project_id, COALESCE((CASE WHEN (mouse_activity_count + ((last_ts - first_ts) / 1000) + console_error_count + console_log_count + console_warn_count) = 0 THEN NULL ELSE FLOOR(((100 * ((CAST(active_ms AS DOUBLE PRECISION) / 1000) + (click_count + keypress_count + console_error_count))) / (mouse_activity_count + ((last_ts - first_ts) / 1000) + console_error_count + console_log_count + console_warn_count)) * 100 + 0.5) / 100 END), 1e300), session_id, first_ts);

-- The list versions that SQLite's count cache reads (see the SQLite
-- migration). PostgreSQL counts every time and has no triggers to move
-- them: the table is here so that both schemas hold the same tables and
-- migrate-store copies it like any other.
CREATE TABLE list_versions (
    project_id BIGINT PRIMARY KEY,
    version    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE list_versions;
DROP INDEX recordings_order_score_asc;
DROP INDEX recordings_order_score;
DROP INDEX recordings_order_mouse;
DROP INDEX recordings_order_keypresses;
DROP INDEX recordings_order_clicks;
DROP INDEX recordings_order_errors;
DROP INDEX recordings_order_inactive;
DROP INDEX recordings_order_active;
DROP INDEX recordings_order_duration;
DROP INDEX recordings_distinct;
DROP INDEX recordings_list_start;
CREATE INDEX recordings_start ON recordings (project_id, first_ts);
