-- +goose Up
-- Counts of the recordings list follow what changed instead of being read
-- again after every change (see store/count_cache.go). Each recording
-- carries the list version of its last change that a list can see: the
-- store stamps it when ingest writes the recording, its URLs, console
-- messages or events, and the triggers below when a view, a person or a
-- distinct id changes. A count cached at version V is brought up to date by
-- reading the recordings stamped after V, and the row ids of the
-- recordings deleted after V from list_removals. trimmed is the version up
-- to which list_removals was emptied: a count read before it is read again
-- in full.
ALTER TABLE recordings ADD COLUMN list_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX recordings_changed ON recordings (project_id, list_version);
ALTER TABLE list_versions ADD COLUMN trimmed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE list_removals (
    project_id INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    row_id     INTEGER NOT NULL,
    removed_at INTEGER NOT NULL
);
CREATE INDEX list_removals_version ON list_removals (project_id, version);

-- The version is moved by the store itself for the recordings, URLs,
-- console messages and events it writes: once per transaction rather than
-- once per row.
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

-- A recording written without a stamp (not by the store's ingest) is
-- stamped here; so is an update of a listed field that left the stamp as
-- it was.
-- +goose StatementBegin
CREATE TRIGGER recordings_list_changed_insert AFTER INSERT ON recordings WHEN NEW.list_version = 0 BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recordings_list_changed_update AFTER UPDATE ON recordings
    WHEN NEW.list_version IS OLD.list_version AND (OLD.distinct_id IS NOT NEW.distinct_id OR OLD.first_ts IS NOT NEW.first_ts OR
        OLD.last_ts IS NOT NEW.last_ts OR OLD.click_count IS NOT NEW.click_count OR
        OLD.keypress_count IS NOT NEW.keypress_count OR
        OLD.mouse_activity_count IS NOT NEW.mouse_activity_count OR
        OLD.console_log_count IS NOT NEW.console_log_count OR
        OLD.console_warn_count IS NOT NEW.console_warn_count OR
        OLD.console_error_count IS NOT NEW.console_error_count OR OLD.active_ms IS NOT NEW.active_ms OR
        OLD.start_url IS NOT NEW.start_url OR OLD.snapshot_source IS NOT NEW.snapshot_source OR
        OLD.snapshot_library IS NOT NEW.snapshot_library)
BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id) WHERE rowid = NEW.rowid;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recordings_list_changed_delete AFTER DELETE ON recordings BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
    INSERT INTO list_removals (project_id, version, row_id, removed_at)
        SELECT OLD.project_id, version, OLD.rowid, CAST(unixepoch('subsec') * 1000000 AS INTEGER)
        FROM list_versions WHERE project_id = OLD.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_views_list_changed_insert AFTER INSERT ON recording_views BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id)
        WHERE project_id = NEW.project_id AND session_id = NEW.session_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_views_list_changed_update AFTER UPDATE ON recording_views BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = OLD.project_id)
        WHERE project_id = OLD.project_id AND session_id = OLD.session_id;
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id)
        WHERE project_id = NEW.project_id AND session_id = NEW.session_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER recording_views_list_changed_delete AFTER DELETE ON recording_views BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = OLD.project_id)
        WHERE project_id = OLD.project_id AND session_id = OLD.session_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER person_distinct_ids_list_changed_insert AFTER INSERT ON person_distinct_ids BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id)
        WHERE project_id = NEW.project_id AND distinct_id = NEW.distinct_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER person_distinct_ids_list_changed_update AFTER UPDATE ON person_distinct_ids BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = OLD.project_id)
        WHERE project_id = OLD.project_id AND distinct_id = OLD.distinct_id;
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id)
        WHERE project_id = NEW.project_id AND distinct_id = NEW.distinct_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER person_distinct_ids_list_changed_delete AFTER DELETE ON person_distinct_ids BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = OLD.project_id)
        WHERE project_id = OLD.project_id AND distinct_id = OLD.distinct_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER persons_list_changed_update AFTER UPDATE ON persons BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = NEW.project_id)
        WHERE project_id = NEW.project_id
          AND distinct_id IN (SELECT distinct_id FROM person_distinct_ids WHERE person_id = NEW.id);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER persons_list_changed_delete AFTER DELETE ON persons BEGIN
    INSERT INTO list_versions (project_id, version) SELECT OLD.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = OLD.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = OLD.project_id;
    UPDATE recordings SET list_version = (SELECT version FROM list_versions WHERE project_id = OLD.project_id)
        WHERE project_id = OLD.project_id
          AND distinct_id IN (SELECT distinct_id FROM person_distinct_ids WHERE person_id = OLD.id);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER recordings_list_changed_insert;
DROP TRIGGER recordings_list_changed_update;
DROP TRIGGER recordings_list_changed_delete;
DROP TRIGGER recording_views_list_changed_insert;
DROP TRIGGER recording_views_list_changed_update;
DROP TRIGGER recording_views_list_changed_delete;
DROP TRIGGER person_distinct_ids_list_changed_insert;
DROP TRIGGER person_distinct_ids_list_changed_update;
DROP TRIGGER person_distinct_ids_list_changed_delete;
DROP TRIGGER persons_list_changed_update;
DROP TRIGGER persons_list_changed_delete;
DROP INDEX recordings_changed;
DROP TABLE list_removals;
ALTER TABLE list_versions DROP COLUMN trimmed;
ALTER TABLE recordings DROP COLUMN list_version;

-- +goose StatementBegin
CREATE TRIGGER recordings_list_version_insert AFTER INSERT ON recordings BEGIN
    INSERT INTO list_versions (project_id, version) SELECT NEW.project_id, 0
        WHERE NOT EXISTS (SELECT 1 FROM list_versions WHERE project_id = NEW.project_id);
    UPDATE list_versions SET version = version + 1 WHERE project_id = NEW.project_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
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
