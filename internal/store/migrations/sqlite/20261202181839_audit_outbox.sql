-- +goose Up
-- create "audit_outbox" table
CREATE TABLE `audit_outbox` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `actor` text NOT NULL, `action` text NOT NULL, `target_type` text NOT NULL DEFAULT (''), `target_id` text NOT NULL DEFAULT (''), `outcome` text NOT NULL DEFAULT ('ok'), `request_id` text NOT NULL DEFAULT (''));

-- +goose Down
-- reverse: create "audit_outbox" table
DROP TABLE `audit_outbox`;
