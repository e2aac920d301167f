-- +goose Up
-- add column "last_success_at" to table: "sync_states"
ALTER TABLE `sync_states` ADD COLUMN `last_success_at` datetime NULL;

-- +goose Down
-- reverse: add column "last_success_at" to table: "sync_states"
ALTER TABLE `sync_states` DROP COLUMN `last_success_at`;
