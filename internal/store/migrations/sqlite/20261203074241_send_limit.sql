-- +goose Up
-- add column "send_limit_tat" to table: "veterans"
ALTER TABLE `veterans` ADD COLUMN `send_limit_tat` integer NULL;

-- +goose Down
-- reverse: add column "send_limit_tat" to table: "veterans"
ALTER TABLE `veterans` DROP COLUMN `send_limit_tat`;
