-- +goose Up
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_cutover_schedules" table
CREATE TABLE `new_cutover_schedules` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `station_number` text NOT NULL, `schedule` text NOT NULL, `set_by` text NOT NULL DEFAULT ('operator'));
-- copy rows from old table "cutover_schedules" to new temporary table "new_cutover_schedules"
INSERT INTO `new_cutover_schedules` (`id`, `created_at`, `updated_at`, `station_number`, `schedule`) SELECT `id`, `created_at`, `updated_at`, `station_number`, `schedule` FROM `cutover_schedules`;
-- drop "cutover_schedules" table after copying rows
DROP TABLE `cutover_schedules`;
-- rename temporary table "new_cutover_schedules" to "cutover_schedules"
ALTER TABLE `new_cutover_schedules` RENAME TO `cutover_schedules`;
-- create index "cutover_schedules_station_number_key" to table: "cutover_schedules"
CREATE UNIQUE INDEX `cutover_schedules_station_number_key` ON `cutover_schedules` (`station_number`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "cutover_schedules_station_number_key" to table: "cutover_schedules"
DROP INDEX `cutover_schedules_station_number_key`;
-- reverse: create "new_cutover_schedules" table
DROP TABLE `new_cutover_schedules`;
