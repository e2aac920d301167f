-- +goose Up
-- modify "veterans" table
ALTER TABLE "veterans" ADD COLUMN "last_active_at" timestamptz NULL;
-- create index "veteran_last_active_at" to table: "veterans"
CREATE INDEX "veteran_last_active_at" ON "veterans" ("last_active_at");

-- +goose Down
-- reverse: create index "veteran_last_active_at" to table: "veterans"
DROP INDEX "veteran_last_active_at";
-- reverse: modify "veterans" table
ALTER TABLE "veterans" DROP COLUMN "last_active_at";
