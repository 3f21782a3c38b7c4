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

-- A version number per project that every change to what the list reads
-- and filters on moves forward, in the same transaction as the change. The
-- store caches a list's count (and a small list's matches) with the
-- version it was read at, and recounts when the version has moved.
CREATE TABLE list_versions (
    project_id INTEGER PRIMARY KEY,
    version    INTEGER NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER recordings_list_version_insert AFTER INSERT ON recordings BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
-- A recording's update moves the version only when a listed field changes
-- (not, for instance, when its blocks are compacted).
CREATE TRIGGER recordings_list_version_update AFTER UPDATE ON recordings
    WHEN OLD.distinct_id IS NOT NEW.distinct_id OR OLD.first_ts IS NOT NEW.first_ts OR
        OLD.last_ts IS NOT NEW.last_ts OR OLD.click_count IS NOT NEW.click_count OR
        OLD.keypress_count IS NOT NEW.keypress_count OR
        OLD.mouse_activity_count IS NOT NEW.mouse_activity_count OR
        OLD.console_log_count IS NOT NEW.console_log_count OR
        OLD.console_warn_count IS NOT NEW.console_warn_count OR
        OLD.console_error_count IS NOT NEW.console_error_count OR OLD.active_ms IS NOT NEW.active_ms OR
        OLD.start_url IS NOT NEW.start_url OR OLD.snapshot_source IS NOT NEW.snapshot_source OR
        OLD.snapshot_library IS NOT NEW.snapshot_library
BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recordings_list_version_delete AFTER DELETE ON recordings BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_urls_list_version_insert AFTER INSERT ON recording_urls BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_urls_list_version_update AFTER UPDATE ON recording_urls BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_urls_list_version_delete AFTER DELETE ON recording_urls BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_console_list_version_insert AFTER INSERT ON recording_console BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_console_list_version_update AFTER UPDATE ON recording_console BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_console_list_version_delete AFTER DELETE ON recording_console BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER events_list_version_insert AFTER INSERT ON events BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER events_list_version_update AFTER UPDATE ON events BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER events_list_version_delete AFTER DELETE ON events BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER persons_list_version_insert AFTER INSERT ON persons BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER persons_list_version_update AFTER UPDATE ON persons BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER persons_list_version_delete AFTER DELETE ON persons BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER person_distinct_ids_list_version_insert AFTER INSERT ON person_distinct_ids BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER person_distinct_ids_list_version_update AFTER UPDATE ON person_distinct_ids BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER person_distinct_ids_list_version_delete AFTER DELETE ON person_distinct_ids BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_views_list_version_insert AFTER INSERT ON recording_views BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_views_list_version_update AFTER UPDATE ON recording_views BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_views_list_version_delete AFTER DELETE ON recording_views BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER recordings_list_version_insert;
DROP TRIGGER recordings_list_version_update;
DROP TRIGGER recordings_list_version_delete;
DROP TRIGGER recording_urls_list_version_insert;
DROP TRIGGER recording_urls_list_version_update;
DROP TRIGGER recording_urls_list_version_delete;
DROP TRIGGER recording_console_list_version_insert;
DROP TRIGGER recording_console_list_version_update;
DROP TRIGGER recording_console_list_version_delete;
DROP TRIGGER events_list_version_insert;
DROP TRIGGER events_list_version_update;
DROP TRIGGER events_list_version_delete;
DROP TRIGGER persons_list_version_insert;
DROP TRIGGER persons_list_version_update;
DROP TRIGGER persons_list_version_delete;
DROP TRIGGER person_distinct_ids_list_version_insert;
DROP TRIGGER person_distinct_ids_list_version_update;
DROP TRIGGER person_distinct_ids_list_version_delete;
DROP TRIGGER recording_views_list_version_insert;
DROP TRIGGER recording_views_list_version_update;
DROP TRIGGER recording_views_list_version_delete;
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
