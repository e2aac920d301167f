-- +goose Up
-- Hand-written: ent models no FTS5 tables or triggers (the drift test ignores
-- tables it does not know). External-content FTS5 indexes over threads'
-- subjects and messages' bodies, keyed by rowid, with Porter stemming; the
-- triggers keep them current. A VACUUM may renumber rowids of tables without
-- an INTEGER PRIMARY KEY, so after one run
-- INSERT INTO thread_fts(thread_fts) VALUES('rebuild') (and for message_fts).
CREATE VIRTUAL TABLE `thread_fts` USING fts5(`subject`, content=`threads`, tokenize='porter unicode61');
CREATE VIRTUAL TABLE `message_fts` USING fts5(`body`, content=`messages`, tokenize='porter unicode61');
INSERT INTO `thread_fts`(`thread_fts`) VALUES ('rebuild');
INSERT INTO `message_fts`(`message_fts`) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER `thread_fts_insert` AFTER INSERT ON `threads` BEGIN
  INSERT INTO `thread_fts`(rowid, `subject`) VALUES (new.rowid, new.`subject`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `thread_fts_delete` AFTER DELETE ON `threads` BEGIN
  INSERT INTO `thread_fts`(`thread_fts`, rowid, `subject`) VALUES ('delete', old.rowid, old.`subject`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `thread_fts_update` AFTER UPDATE OF `subject` ON `threads` BEGIN
  INSERT INTO `thread_fts`(`thread_fts`, rowid, `subject`) VALUES ('delete', old.rowid, old.`subject`);
  INSERT INTO `thread_fts`(rowid, `subject`) VALUES (new.rowid, new.`subject`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `message_fts_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `message_fts`(rowid, `body`) VALUES (new.rowid, new.`body`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `message_fts_delete` AFTER DELETE ON `messages` BEGIN
  INSERT INTO `message_fts`(`message_fts`, rowid, `body`) VALUES ('delete', old.rowid, old.`body`);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `message_fts_update` AFTER UPDATE OF `body` ON `messages` BEGIN
  INSERT INTO `message_fts`(`message_fts`, rowid, `body`) VALUES ('delete', old.rowid, old.`body`);
  INSERT INTO `message_fts`(rowid, `body`) VALUES (new.rowid, new.`body`);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER `message_fts_update`;
DROP TRIGGER `message_fts_delete`;
DROP TRIGGER `message_fts_insert`;
DROP TRIGGER `thread_fts_update`;
DROP TRIGGER `thread_fts_delete`;
DROP TRIGGER `thread_fts_insert`;
DROP TABLE `message_fts`;
DROP TABLE `thread_fts`;
