-- +goose Up
-- create "audit_events" table
CREATE TABLE `audit_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `actor` text NOT NULL, `action` text NOT NULL, `target_type` text NOT NULL DEFAULT (''), `target_id` text NOT NULL DEFAULT (''), `outcome` text NOT NULL DEFAULT ('ok'), `request_id` text NOT NULL DEFAULT (''), `prev_hash` text NOT NULL, `hash` text NOT NULL);
-- create index "audit_events_hash_key" to table: "audit_events"
CREATE UNIQUE INDEX `audit_events_hash_key` ON `audit_events` (`hash`);
-- create index "auditevent_actor_at" to table: "audit_events"
CREATE INDEX `auditevent_actor_at` ON `audit_events` (`actor`, `at`);
-- create index "auditevent_target_id" to table: "audit_events"
CREATE INDEX `auditevent_target_id` ON `audit_events` (`target_id`);

-- +goose Down
-- reverse: create index "auditevent_target_id" to table: "audit_events"
DROP INDEX `auditevent_target_id`;
-- reverse: create index "auditevent_actor_at" to table: "audit_events"
DROP INDEX `auditevent_actor_at`;
-- reverse: create index "audit_events_hash_key" to table: "audit_events"
DROP INDEX `audit_events_hash_key`;
-- reverse: create "audit_events" table
DROP TABLE `audit_events`;
