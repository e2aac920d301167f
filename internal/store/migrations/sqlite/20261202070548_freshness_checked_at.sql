-- +goose Up
-- add column "checked_at" to table: "sync_states"
ALTER TABLE `sync_states` ADD COLUMN `checked_at` datetime NULL;

-- +goose Down
-- reverse: add column "checked_at" to table: "sync_states"
ALTER TABLE `sync_states` DROP COLUMN `checked_at`;
