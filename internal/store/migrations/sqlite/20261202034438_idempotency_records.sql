-- +goose Up
-- create "idempotency_records" table
CREATE TABLE `idempotency_records` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `veteran_id` text NOT NULL, `key` text NOT NULL, `operation` text NOT NULL, `input_hash` text NOT NULL, `result_ids` json NOT NULL, `created_at` datetime NOT NULL);
-- create index "idempotencyrecord_veteran_id_key" to table: "idempotency_records"
CREATE UNIQUE INDEX `idempotencyrecord_veteran_id_key` ON `idempotency_records` (`veteran_id`, `key`);
-- create index "idempotencyrecord_created_at" to table: "idempotency_records"
CREATE INDEX `idempotencyrecord_created_at` ON `idempotency_records` (`created_at`);

-- +goose Down
-- reverse: create index "idempotencyrecord_created_at" to table: "idempotency_records"
DROP INDEX `idempotencyrecord_created_at`;
-- reverse: create index "idempotencyrecord_veteran_id_key" to table: "idempotency_records"
DROP INDEX `idempotencyrecord_veteran_id_key`;
-- reverse: create "idempotency_records" table
DROP TABLE `idempotency_records`;
