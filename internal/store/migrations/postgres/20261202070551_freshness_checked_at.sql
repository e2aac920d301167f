-- +goose Up
-- modify "sync_states" table
ALTER TABLE "sync_states" ADD COLUMN "checked_at" timestamptz NULL;

-- +goose Down
-- reverse: modify "sync_states" table
ALTER TABLE "sync_states" DROP COLUMN "checked_at";
