-- +goose Up
-- drop index "change_veteran_id_id" from table: "changes"
DROP INDEX "change_veteran_id_id";
-- modify "changes" table
ALTER TABLE "changes" ADD COLUMN "seq" bigint NOT NULL DEFAULT 0;
-- create index "change_at" to table: "changes"
CREATE INDEX "change_at" ON "changes" ("at");
-- number the existing changes per veteran (hand-written: in id order, the best order known before the counter)
UPDATE "changes" SET "seq" = r.n FROM (SELECT "id", ROW_NUMBER() OVER (PARTITION BY "veteran_id" ORDER BY "id") AS n FROM "changes") r WHERE "changes"."id" = r."id";
-- create index "change_veteran_id_seq" to table: "changes"
CREATE UNIQUE INDEX "change_veteran_id_seq" ON "changes" ("veteran_id", "seq");
-- modify "veterans" table
ALTER TABLE "veterans" ADD COLUMN "change_seq" bigint NOT NULL DEFAULT 0;
-- each veteran's counter continues from their numbered changes (hand-written)
UPDATE "veterans" SET "change_seq" = (SELECT COALESCE(MAX("seq"), 0) FROM "changes" WHERE "changes"."veteran_id" = "veterans"."id");

-- +goose Down
-- reverse: modify "veterans" table
ALTER TABLE "veterans" DROP COLUMN "change_seq";
-- reverse: create index "change_veteran_id_seq" to table: "changes"
DROP INDEX "change_veteran_id_seq";
-- reverse: create index "change_at" to table: "changes"
DROP INDEX "change_at";
-- reverse: modify "changes" table
ALTER TABLE "changes" DROP COLUMN "seq";
-- reverse: drop index "change_veteran_id_id" from table: "changes"
CREATE INDEX "change_veteran_id_id" ON "changes" ("veteran_id", "id");
