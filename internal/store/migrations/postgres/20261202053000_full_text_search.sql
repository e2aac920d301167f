-- +goose Up
-- Hand-written: ent models neither tsvector columns nor GIN indexes (the
-- migration generator and the drift test ignore these objects, see
-- store.KeepSearchObjects). English stemming; a subject weighs A and a body D,
-- so ts_rank puts a subject hit above a body hit. Generated columns keep the
-- vectors current on every insert and update.
ALTER TABLE "threads" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', "subject"), 'A')) STORED;
ALTER TABLE "messages" ADD COLUMN "search_vector" tsvector GENERATED ALWAYS AS (to_tsvector('english', "body")) STORED;
CREATE INDEX "thread_search" ON "threads" USING GIN ("search_vector");
CREATE INDEX "message_search" ON "messages" USING GIN ("search_vector");

-- +goose Down
DROP INDEX "message_search";
DROP INDEX "thread_search";
ALTER TABLE "messages" DROP COLUMN "search_vector";
ALTER TABLE "threads" DROP COLUMN "search_vector";
