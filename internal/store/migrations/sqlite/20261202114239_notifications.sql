-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_veterans" table
CREATE TABLE `new_veterans` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `icn` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `mhv_correlation_id` text NULL, `oh_patient_id` text NULL, `oh_authority` text NULL, `signature_name` text NOT NULL DEFAULT (''), `signature_title` text NOT NULL DEFAULT (''), `include_signature` bool NOT NULL DEFAULT (false), `last_active_at` datetime NULL, `change_seq` integer NOT NULL DEFAULT (0), `email_frequency` text NOT NULL DEFAULT ('EACH_MESSAGE'), `push_enabled` bool NOT NULL DEFAULT (true), `time_zone` text NOT NULL DEFAULT ('America/New_York'), `digest_day` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- copy rows from old table "veterans" to new temporary table "new_veterans"
INSERT INTO `new_veterans` (`id`, `created_at`, `updated_at`, `icn`, `display_name`, `mhv_correlation_id`, `oh_patient_id`, `oh_authority`, `signature_name`, `signature_title`, `include_signature`, `last_active_at`, `change_seq`) SELECT `id`, `created_at`, `updated_at`, `icn`, `display_name`, `mhv_correlation_id`, `oh_patient_id`, `oh_authority`, `signature_name`, `signature_title`, `include_signature`, `last_active_at`, `change_seq` FROM `veterans`;
-- drop "veterans" table after copying rows
DROP TABLE `veterans`;
-- rename temporary table "new_veterans" to "veterans"
ALTER TABLE `new_veterans` RENAME TO `veterans`;
-- create index "veterans_icn_key" to table: "veterans"
CREATE UNIQUE INDEX `veterans_icn_key` ON `veterans` (`icn`);
-- create index "veterans_mhv_correlation_id_key" to table: "veterans"
CREATE UNIQUE INDEX `veterans_mhv_correlation_id_key` ON `veterans` (`mhv_correlation_id`);
-- create index "veteran_last_active_at" to table: "veterans"
CREATE INDEX `veteran_last_active_at` ON `veterans` (`last_active_at`);
-- create "notifications" table
CREATE TABLE `notifications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `veteran_id` text NOT NULL, `channel` text NOT NULL, `kind` text NOT NULL, `message_id` text NULL, `reference` text NOT NULL, `count` integer NOT NULL DEFAULT (0), `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), `service_id` text NOT NULL DEFAULT (''), `sent_at` datetime NULL, PRIMARY KEY (`id`));
-- create index "notifications_reference_key" to table: "notifications"
CREATE UNIQUE INDEX `notifications_reference_key` ON `notifications` (`reference`);
-- create index "notification_status" to table: "notifications"
CREATE INDEX `notification_status` ON `notifications` (`status`);
-- create index "notification_veteran_id_kind_created_at" to table: "notifications"
CREATE INDEX `notification_veteran_id_kind_created_at` ON `notifications` (`veteran_id`, `kind`, `created_at`);
-- create "push_devices" table
CREATE TABLE `push_devices` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `veteran_id` text NOT NULL, `registration` text NOT NULL, PRIMARY KEY (`id`));
-- create index "pushdevice_veteran_id_registration" to table: "push_devices"
CREATE UNIQUE INDEX `pushdevice_veteran_id_registration` ON `push_devices` (`veteran_id`, `registration`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "pushdevice_veteran_id_registration" to table: "push_devices"
DROP INDEX `pushdevice_veteran_id_registration`;
-- reverse: create "push_devices" table
DROP TABLE `push_devices`;
-- reverse: create index "notification_veteran_id_kind_created_at" to table: "notifications"
DROP INDEX `notification_veteran_id_kind_created_at`;
-- reverse: create index "notification_status" to table: "notifications"
DROP INDEX `notification_status`;
-- reverse: create index "notifications_reference_key" to table: "notifications"
DROP INDEX `notifications_reference_key`;
-- reverse: create "notifications" table
DROP TABLE `notifications`;
-- reverse: create index "veteran_last_active_at" to table: "veterans"
DROP INDEX `veteran_last_active_at`;
-- reverse: create index "veterans_mhv_correlation_id_key" to table: "veterans"
DROP INDEX `veterans_mhv_correlation_id_key`;
-- reverse: create index "veterans_icn_key" to table: "veterans"
DROP INDEX `veterans_icn_key`;
-- reverse: create "new_veterans" table
DROP TABLE `new_veterans`;
