-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_care_teams" table
CREATE TABLE `new_care_teams` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `display_name` text NOT NULL, `provider` text NOT NULL, `provider_id` text NOT NULL, `active` bool NOT NULL DEFAULT (true), `requires_signature` bool NOT NULL DEFAULT (false), `alternate_names` json NULL, `replaced_at` datetime NULL, `replaced_by_id` text NULL, `facility_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `care_teams_care_teams_replaces` FOREIGN KEY (`replaced_by_id`) REFERENCES `care_teams` (`id`) ON DELETE SET NULL, CONSTRAINT `care_teams_facilities_care_teams` FOREIGN KEY (`facility_id`) REFERENCES `facilities` (`id`) ON DELETE NO ACTION);
-- copy rows from old table "care_teams" to new temporary table "new_care_teams"
INSERT INTO `new_care_teams` (`id`, `created_at`, `updated_at`, `name`, `display_name`, `provider`, `provider_id`, `active`, `requires_signature`, `alternate_names`, `facility_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `display_name`, `provider`, `provider_id`, `active`, `requires_signature`, `alternate_names`, `facility_id` FROM `care_teams`;
-- drop "care_teams" table after copying rows
DROP TABLE `care_teams`;
-- rename temporary table "new_care_teams" to "care_teams"
ALTER TABLE `new_care_teams` RENAME TO `care_teams`;
-- create index "careteam_provider_provider_id" to table: "care_teams"
CREATE UNIQUE INDEX `careteam_provider_provider_id` ON `care_teams` (`provider`, `provider_id`);
-- create "cutover_schedules" table
CREATE TABLE `cutover_schedules` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `station_number` text NOT NULL, `schedule` text NOT NULL);
-- create index "cutover_schedules_station_number_key" to table: "cutover_schedules"
CREATE UNIQUE INDEX `cutover_schedules_station_number_key` ON `cutover_schedules` (`station_number`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "cutover_schedules_station_number_key" to table: "cutover_schedules"
DROP INDEX `cutover_schedules_station_number_key`;
-- reverse: create "cutover_schedules" table
DROP TABLE `cutover_schedules`;
-- reverse: create index "careteam_provider_provider_id" to table: "care_teams"
DROP INDEX `careteam_provider_provider_id`;
-- reverse: create "new_care_teams" table
DROP TABLE `new_care_teams`;
