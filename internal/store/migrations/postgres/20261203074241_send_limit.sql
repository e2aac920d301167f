-- +goose Up
-- modify "veterans" table
ALTER TABLE "veterans" ADD COLUMN "send_limit_tat" bigint NULL;

-- +goose Down
-- reverse: modify "veterans" table
ALTER TABLE "veterans" DROP COLUMN "send_limit_tat";
