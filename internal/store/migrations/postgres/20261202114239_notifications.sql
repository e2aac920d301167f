-- +goose Up
-- modify "veterans" table
ALTER TABLE "veterans" ADD COLUMN "email_frequency" character varying NOT NULL DEFAULT 'EACH_MESSAGE', ADD COLUMN "push_enabled" boolean NOT NULL DEFAULT true, ADD COLUMN "time_zone" character varying NOT NULL DEFAULT 'America/New_York', ADD COLUMN "digest_day" character varying NOT NULL DEFAULT '';
-- create "notifications" table
CREATE TABLE "notifications" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "veteran_id" character varying NOT NULL, "channel" character varying NOT NULL, "kind" character varying NOT NULL, "message_id" character varying NULL, "reference" character varying NOT NULL, "count" bigint NOT NULL DEFAULT 0, "status" character varying NOT NULL DEFAULT 'PENDING', "attempts" bigint NOT NULL DEFAULT 0, "last_error" character varying NOT NULL DEFAULT '', "service_id" character varying NOT NULL DEFAULT '', "sent_at" timestamptz NULL, PRIMARY KEY ("id"));
-- create index "notification_status" to table: "notifications"
CREATE INDEX "notification_status" ON "notifications" ("status");
-- create index "notification_veteran_id_kind_created_at" to table: "notifications"
CREATE INDEX "notification_veteran_id_kind_created_at" ON "notifications" ("veteran_id", "kind", "created_at");
-- create index "notifications_reference_key" to table: "notifications"
CREATE UNIQUE INDEX "notifications_reference_key" ON "notifications" ("reference");
-- create "push_devices" table
CREATE TABLE "push_devices" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "veteran_id" character varying NOT NULL, "registration" character varying NOT NULL, PRIMARY KEY ("id"));
-- create index "pushdevice_veteran_id_registration" to table: "push_devices"
CREATE UNIQUE INDEX "pushdevice_veteran_id_registration" ON "push_devices" ("veteran_id", "registration");

-- +goose Down
-- reverse: create index "pushdevice_veteran_id_registration" to table: "push_devices"
DROP INDEX "pushdevice_veteran_id_registration";
-- reverse: create "push_devices" table
DROP TABLE "push_devices";
-- reverse: create index "notifications_reference_key" to table: "notifications"
DROP INDEX "notifications_reference_key";
-- reverse: create index "notification_veteran_id_kind_created_at" to table: "notifications"
DROP INDEX "notification_veteran_id_kind_created_at";
-- reverse: create index "notification_status" to table: "notifications"
DROP INDEX "notification_status";
-- reverse: create "notifications" table
DROP TABLE "notifications";
-- reverse: modify "veterans" table
ALTER TABLE "veterans" DROP COLUMN "digest_day", DROP COLUMN "time_zone", DROP COLUMN "push_enabled", DROP COLUMN "email_frequency";
