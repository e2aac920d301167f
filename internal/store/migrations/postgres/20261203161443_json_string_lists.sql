-- +goose Up
-- modify "care_teams" table
ALTER TABLE "care_teams" ALTER COLUMN "alternate_names" TYPE json;
-- modify "idempotency_records" table
ALTER TABLE "idempotency_records" ALTER COLUMN "result_ids" TYPE json;

-- +goose Down
-- reverse: modify "idempotency_records" table
ALTER TABLE "idempotency_records" ALTER COLUMN "result_ids" TYPE jsonb;
-- reverse: modify "care_teams" table
ALTER TABLE "care_teams" ALTER COLUMN "alternate_names" TYPE jsonb;
