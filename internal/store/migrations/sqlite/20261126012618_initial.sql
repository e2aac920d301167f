-- +goose Up
-- create "associations" table
CREATE TABLE `associations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `preferred` bool NOT NULL DEFAULT (false), `blocked` bool NOT NULL DEFAULT (false), `care_team_id` text NOT NULL, `veteran_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `associations_care_teams_associations` FOREIGN KEY (`care_team_id`) REFERENCES `care_teams` (`id`) ON DELETE NO ACTION, CONSTRAINT `associations_veterans_associations` FOREIGN KEY (`veteran_id`) REFERENCES `veterans` (`id`) ON DELETE NO ACTION);
-- create index "association_veteran_id_care_team_id" to table: "associations"
CREATE UNIQUE INDEX `association_veteran_id_care_team_id` ON `associations` (`veteran_id`, `care_team_id`);
-- create "atom_entries" table
CREATE TABLE `atom_entries` (`id` text NOT NULL, `entry_id` text NOT NULL, `message_external_id` text NOT NULL, `patient_id` text NOT NULL, `authority` text NOT NULL DEFAULT (''), `received_at` datetime NOT NULL, `processed_at` datetime NULL, `attempts` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "atom_entries_entry_id_key" to table: "atom_entries"
CREATE UNIQUE INDEX `atom_entries_entry_id_key` ON `atom_entries` (`entry_id`);
-- create index "atomentry_processed_at" to table: "atom_entries"
CREATE INDEX `atomentry_processed_at` ON `atom_entries` (`processed_at`);
-- create "attachments" table
CREATE TABLE `attachments` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `veteran_id` text NOT NULL, `filename` text NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `data` blob NULL, `blob_key` text NULL, `external_id` text NULL, `message_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `attachments_messages_attachments` FOREIGN KEY (`message_id`) REFERENCES `messages` (`id`) ON DELETE NO ACTION);
-- create "care_teams" table
CREATE TABLE `care_teams` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `display_name` text NOT NULL, `provider` text NOT NULL, `provider_id` text NOT NULL, `active` bool NOT NULL DEFAULT (true), `requires_signature` bool NOT NULL DEFAULT (false), `alternate_names` json NULL, `facility_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `care_teams_facilities_care_teams` FOREIGN KEY (`facility_id`) REFERENCES `facilities` (`id`) ON DELETE NO ACTION);
-- create index "careteam_provider_provider_id" to table: "care_teams"
CREATE UNIQUE INDEX `careteam_provider_provider_id` ON `care_teams` (`provider`, `provider_id`);
-- create "changes" table
CREATE TABLE `changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `veteran_id` text NOT NULL, `entity_type` text NOT NULL, `entity_id` text NOT NULL, `op` text NOT NULL, `at` datetime NOT NULL);
-- create index "change_veteran_id_id" to table: "changes"
CREATE INDEX `change_veteran_id_id` ON `changes` (`veteran_id`, `id`);
-- create "facilities" table
CREATE TABLE `facilities` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `station_number` text NOT NULL, `name` text NOT NULL, `health_care_system` text NOT NULL, `ehr` text NOT NULL, `cutover_phase` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "facilities_station_number_key" to table: "facilities"
CREATE UNIQUE INDEX `facilities_station_number_key` ON `facilities` (`station_number`);
-- create "folders" table
CREATE TABLE `folders` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `system` text NULL, `veteran_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `folders_veterans_folders` FOREIGN KEY (`veteran_id`) REFERENCES `veterans` (`id`) ON DELETE NO ACTION);
-- create index "folder_veteran_id_name" to table: "folders"
CREATE UNIQUE INDEX `folder_veteran_id_name` ON `folders` (`veteran_id`, `name`);
-- create "messages" table
CREATE TABLE `messages` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `veteran_id` text NOT NULL, `author_kind` text NOT NULL, `author_name` text NOT NULL DEFAULT (''), `body` text NOT NULL DEFAULT (''), `body_loaded` bool NOT NULL DEFAULT (true), `sent_at` datetime NULL, `ordered_at` datetime NOT NULL, `read_at` datetime NULL, `clinician_read_at` datetime NULL, `delivery_status` text NULL, `delivery_error` text NULL, `is_draft` bool NOT NULL DEFAULT (false), `provider_deleted_at` datetime NULL, `thread_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `messages_threads_messages` FOREIGN KEY (`thread_id`) REFERENCES `threads` (`id`) ON DELETE NO ACTION);
-- create index "message_thread_id_is_draft_ordered_at_id" to table: "messages"
CREATE INDEX `message_thread_id_is_draft_ordered_at_id` ON `messages` (`thread_id`, `is_draft`, `ordered_at`, `id`);
-- create index "message_veteran_id_sent_at" to table: "messages"
CREATE INDEX `message_veteran_id_sent_at` ON `messages` (`veteran_id`, `sent_at`);
-- create "provider_refs" table
CREATE TABLE `provider_refs` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `entity_type` text NOT NULL, `entity_id` text NOT NULL, `external_id` text NOT NULL, `version` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "providerref_provider_entity_type_external_id" to table: "provider_refs"
CREATE UNIQUE INDEX `providerref_provider_entity_type_external_id` ON `provider_refs` (`provider`, `entity_type`, `external_id`);
-- create index "providerref_entity_type_entity_id" to table: "provider_refs"
CREATE INDEX `providerref_entity_type_entity_id` ON `provider_refs` (`entity_type`, `entity_id`);
-- create "sync_states" table
CREATE TABLE `sync_states` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `provider` text NOT NULL, `veteran_id` text NOT NULL, `scope` text NOT NULL, `status` text NOT NULL DEFAULT ('NOT_STARTED'), `watermark` datetime NULL, `last_run_at` datetime NULL, `last_full_scan_at` datetime NULL, `cursor` text NOT NULL DEFAULT (''), `last_error` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- create index "syncstate_provider_veteran_id_scope" to table: "sync_states"
CREATE UNIQUE INDEX `syncstate_provider_veteran_id_scope` ON `sync_states` (`provider`, `veteran_id`, `scope`);
-- create "tags" table
CREATE TABLE `tags` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `veteran_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `tags_veterans_tags` FOREIGN KEY (`veteran_id`) REFERENCES `veterans` (`id`) ON DELETE NO ACTION);
-- create index "tag_veteran_id_name" to table: "tags"
CREATE UNIQUE INDEX `tag_veteran_id_name` ON `tags` (`veteran_id`, `name`);
-- create "threads" table
CREATE TABLE `threads` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subject` text NOT NULL, `category` text NOT NULL, `last_message_at` datetime NOT NULL, `last_message_id` text NULL, `message_count` integer NOT NULL DEFAULT (0), `unread_count` integer NOT NULL DEFAULT (0), `has_attachments` bool NOT NULL DEFAULT (false), `care_team_id` text NOT NULL, `folder_id` text NOT NULL, `veteran_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `threads_care_teams_threads` FOREIGN KEY (`care_team_id`) REFERENCES `care_teams` (`id`) ON DELETE NO ACTION, CONSTRAINT `threads_folders_threads` FOREIGN KEY (`folder_id`) REFERENCES `folders` (`id`) ON DELETE NO ACTION, CONSTRAINT `threads_veterans_threads` FOREIGN KEY (`veteran_id`) REFERENCES `veterans` (`id`) ON DELETE NO ACTION);
-- create index "thread_veteran_id_folder_id_last_message_at_id" to table: "threads"
CREATE INDEX `thread_veteran_id_folder_id_last_message_at_id` ON `threads` (`veteran_id`, `folder_id`, `last_message_at`, `id`);
-- create index "thread_veteran_id_last_message_at_id" to table: "threads"
CREATE INDEX `thread_veteran_id_last_message_at_id` ON `threads` (`veteran_id`, `last_message_at`, `id`);
-- create "veterans" table
CREATE TABLE `veterans` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `icn` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `mhv_correlation_id` text NULL, `oh_patient_id` text NULL, `oh_authority` text NULL, `signature_name` text NOT NULL DEFAULT (''), `signature_title` text NOT NULL DEFAULT (''), `include_signature` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- create index "veterans_icn_key" to table: "veterans"
CREATE UNIQUE INDEX `veterans_icn_key` ON `veterans` (`icn`);
-- create index "veterans_mhv_correlation_id_key" to table: "veterans"
CREATE UNIQUE INDEX `veterans_mhv_correlation_id_key` ON `veterans` (`mhv_correlation_id`);
-- create "thread_tags" table
CREATE TABLE `thread_tags` (`thread_id` text NOT NULL, `tag_id` text NOT NULL, PRIMARY KEY (`thread_id`, `tag_id`), CONSTRAINT `thread_tags_thread_id` FOREIGN KEY (`thread_id`) REFERENCES `threads` (`id`) ON DELETE CASCADE, CONSTRAINT `thread_tags_tag_id` FOREIGN KEY (`tag_id`) REFERENCES `tags` (`id`) ON DELETE CASCADE);

-- +goose Down
-- reverse: create "thread_tags" table
DROP TABLE `thread_tags`;
-- reverse: create index "veterans_mhv_correlation_id_key" to table: "veterans"
DROP INDEX `veterans_mhv_correlation_id_key`;
-- reverse: create index "veterans_icn_key" to table: "veterans"
DROP INDEX `veterans_icn_key`;
-- reverse: create "veterans" table
DROP TABLE `veterans`;
-- reverse: create index "thread_veteran_id_last_message_at_id" to table: "threads"
DROP INDEX `thread_veteran_id_last_message_at_id`;
-- reverse: create index "thread_veteran_id_folder_id_last_message_at_id" to table: "threads"
DROP INDEX `thread_veteran_id_folder_id_last_message_at_id`;
-- reverse: create "threads" table
DROP TABLE `threads`;
-- reverse: create index "tag_veteran_id_name" to table: "tags"
DROP INDEX `tag_veteran_id_name`;
-- reverse: create "tags" table
DROP TABLE `tags`;
-- reverse: create index "syncstate_provider_veteran_id_scope" to table: "sync_states"
DROP INDEX `syncstate_provider_veteran_id_scope`;
-- reverse: create "sync_states" table
DROP TABLE `sync_states`;
-- reverse: create index "providerref_entity_type_entity_id" to table: "provider_refs"
DROP INDEX `providerref_entity_type_entity_id`;
-- reverse: create index "providerref_provider_entity_type_external_id" to table: "provider_refs"
DROP INDEX `providerref_provider_entity_type_external_id`;
-- reverse: create "provider_refs" table
DROP TABLE `provider_refs`;
-- reverse: create index "message_veteran_id_sent_at" to table: "messages"
DROP INDEX `message_veteran_id_sent_at`;
-- reverse: create index "message_thread_id_is_draft_ordered_at_id" to table: "messages"
DROP INDEX `message_thread_id_is_draft_ordered_at_id`;
-- reverse: create "messages" table
DROP TABLE `messages`;
-- reverse: create index "folder_veteran_id_name" to table: "folders"
DROP INDEX `folder_veteran_id_name`;
-- reverse: create "folders" table
DROP TABLE `folders`;
-- reverse: create index "facilities_station_number_key" to table: "facilities"
DROP INDEX `facilities_station_number_key`;
-- reverse: create "facilities" table
DROP TABLE `facilities`;
-- reverse: create index "change_veteran_id_id" to table: "changes"
DROP INDEX `change_veteran_id_id`;
-- reverse: create "changes" table
DROP TABLE `changes`;
-- reverse: create index "careteam_provider_provider_id" to table: "care_teams"
DROP INDEX `careteam_provider_provider_id`;
-- reverse: create "care_teams" table
DROP TABLE `care_teams`;
-- reverse: create "attachments" table
DROP TABLE `attachments`;
-- reverse: create index "atomentry_processed_at" to table: "atom_entries"
DROP INDEX `atomentry_processed_at`;
-- reverse: create index "atom_entries_entry_id_key" to table: "atom_entries"
DROP INDEX `atom_entries_entry_id_key`;
-- reverse: create "atom_entries" table
DROP TABLE `atom_entries`;
-- reverse: create index "association_veteran_id_care_team_id" to table: "associations"
DROP INDEX `association_veteran_id_care_team_id`;
-- reverse: create "associations" table
DROP TABLE `associations`;
