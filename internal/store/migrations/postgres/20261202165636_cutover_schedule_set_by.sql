-- +goose Up
-- modify "cutover_schedules" table
ALTER TABLE "cutover_schedules" ADD COLUMN "set_by" character varying NOT NULL DEFAULT 'operator';

-- +goose Down
-- reverse: modify "cutover_schedules" table
ALTER TABLE "cutover_schedules" DROP COLUMN "set_by";
