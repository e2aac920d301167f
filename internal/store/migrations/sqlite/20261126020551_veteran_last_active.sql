-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_veterans" table
CREATE TABLE `new_veterans` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `icn` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `mhv_correlation_id` text NULL, `oh_patient_id` text NULL, `oh_authority` text NULL, `signature_name` text NOT NULL DEFAULT (''), `signature_title` text NOT NULL DEFAULT (''), `include_signature` bool NOT NULL DEFAULT (false), `last_active_at` datetime NULL, PRIMARY KEY (`id`));
-- copy rows from old table "veterans" to new temporary table "new_veterans"
INSERT INTO `new_veterans` (`id`, `created_at`, `updated_at`, `icn`, `display_name`, `mhv_correlation_id`, `oh_patient_id`, `oh_authority`, `signature_name`, `signature_title`, `include_signature`) SELECT `id`, `created_at`, `updated_at`, `icn`, `display_name`, `mhv_correlation_id`, `oh_patient_id`, `oh_authority`, `signature_name`, `signature_title`, `include_signature` FROM `veterans`;
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
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "veteran_last_active_at" to table: "veterans"
DROP INDEX `veteran_last_active_at`;
-- reverse: create index "veterans_mhv_correlation_id_key" to table: "veterans"
DROP INDEX `veterans_mhv_correlation_id_key`;
-- reverse: create index "veterans_icn_key" to table: "veterans"
DROP INDEX `veterans_icn_key`;
-- reverse: create "new_veterans" table
DROP TABLE `new_veterans`;
