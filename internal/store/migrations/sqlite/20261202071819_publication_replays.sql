-- +goose Up
-- create "publication_replays" table
CREATE TABLE `publication_replays` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `expires_at` datetime NOT NULL);
-- create index "publication_replays_key_key" to table: "publication_replays"
CREATE UNIQUE INDEX `publication_replays_key_key` ON `publication_replays` (`key`);
-- create index "publicationreplay_expires_at" to table: "publication_replays"
CREATE INDEX `publicationreplay_expires_at` ON `publication_replays` (`expires_at`);

-- +goose Down
-- reverse: create index "publicationreplay_expires_at" to table: "publication_replays"
DROP INDEX `publicationreplay_expires_at`;
-- reverse: create index "publication_replays_key_key" to table: "publication_replays"
DROP INDEX `publication_replays_key_key`;
-- reverse: create "publication_replays" table
DROP TABLE `publication_replays`;
