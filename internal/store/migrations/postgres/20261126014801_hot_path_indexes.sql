-- +goose Up
-- create index "attachment_message_id" to table: "attachments"
CREATE INDEX "attachment_message_id" ON "attachments" ("message_id");
-- create index "thread_unread" to table: "threads"
CREATE INDEX "thread_unread" ON "threads" ("veteran_id", "folder_id") WHERE (unread_count > 0);
-- create index "thread_veteran_id_care_team_id" to table: "threads"
CREATE INDEX "thread_veteran_id_care_team_id" ON "threads" ("veteran_id", "care_team_id");

-- +goose Down
-- reverse: create index "thread_veteran_id_care_team_id" to table: "threads"
DROP INDEX "thread_veteran_id_care_team_id";
-- reverse: create index "thread_unread" to table: "threads"
DROP INDEX "thread_unread";
-- reverse: create index "attachment_message_id" to table: "attachments"
DROP INDEX "attachment_message_id";
