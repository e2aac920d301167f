-- +goose Up
-- (hand-written: ADD COLUMN instead of the diff's table rebuild, which would
-- drop "veterans" under enforced foreign keys inside goose's transaction)
-- drop index "change_veteran_id_id" from table: "changes"
DROP INDEX `change_veteran_id_id`;
-- add column "seq" to table: "changes"
ALTER TABLE `changes` ADD COLUMN `seq` integer NOT NULL DEFAULT (0);
-- number the existing changes per veteran, in id order (the best order known before the counter)
UPDATE `changes` SET `seq` = (SELECT COUNT(*) FROM `changes` AS `c` WHERE `c`.`veteran_id` = `changes`.`veteran_id` AND `c`.`id` <= `changes`.`id`);
-- create index "change_veteran_id_seq" to table: "changes"
CREATE UNIQUE INDEX `change_veteran_id_seq` ON `changes` (`veteran_id`, `seq`);
-- create index "change_at" to table: "changes"
CREATE INDEX `change_at` ON `changes` (`at`);
-- add column "change_seq" to table: "veterans"
ALTER TABLE `veterans` ADD COLUMN `change_seq` integer NOT NULL DEFAULT (0);
-- each veteran's counter continues from their numbered changes
UPDATE `veterans` SET `change_seq` = (SELECT COALESCE(MAX(`seq`), 0) FROM `changes` WHERE `changes`.`veteran_id` = `veterans`.`id`);

-- +goose Down
DROP INDEX `change_at`;
DROP INDEX `change_veteran_id_seq`;
ALTER TABLE `veterans` DROP COLUMN `change_seq`;
ALTER TABLE `changes` DROP COLUMN `seq`;
CREATE INDEX `change_veteran_id_id` ON `changes` (`veteran_id`, `id`);
