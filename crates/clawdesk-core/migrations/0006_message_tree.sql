-- Conversations as trees: an edit or a regeneration adds a sibling version
-- of a message instead of replacing it, and a session shows one path
-- through its tree, the active path. Existing linear chats become
-- single-path trees: every message keeps its text, order and flags, follows
-- the message before it, and is on the active path.

-- The message this one follows: the previous message of its path, NULL for
-- the first. A compaction's summary names the last message it replaced
-- (it belongs to the paths through that message) and is nobody's parent.
ALTER TABLE messages ADD COLUMN parent_id TEXT REFERENCES messages (id);
-- 1 while the message is on the session's active path (what get_messages,
-- requests and exports read). Kept in step by every write that moves it.
ALTER TABLE messages ADD COLUMN on_path INTEGER NOT NULL DEFAULT 1 CHECK (on_path IN (0, 1));
-- When the message was last on the active path (ms): switching to a
-- version leads on to the replies last seen below it.
ALTER TABLE messages ADD COLUMN chosen_at INTEGER NOT NULL DEFAULT 0;
-- 1 once the message has a sibling (set on every sibling when a version is
-- added; versions are never removed alone): reading a path looks up the
-- versions of these messages only.
ALTER TABLE messages ADD COLUMN has_versions INTEGER NOT NULL DEFAULT 0 CHECK (has_versions IN (0, 1));

-- Bumped by every write of a session row: the app's in-memory copy of the
-- sessions keeps the newest of racing commits by it (message_count, which
-- did that before, now shrinks when a switch shows a shorter path).
ALTER TABLE sessions ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- A linear chat: each message follows the latest non-summary message
-- before it (a summary is placed right after the last message it replaced,
-- so that is also the summary's anchor).
UPDATE messages SET parent_id = (
    SELECT p.id FROM messages AS p
    WHERE p.session_id = messages.session_id AND p.seq < messages.seq AND p.summary = 0
    ORDER BY p.seq DESC LIMIT 1
);
UPDATE messages SET chosen_at = created_at;

-- "The versions at one place": sibling counts, and the children a switch
-- descends through. Summaries are nobody's sibling.
CREATE INDEX messages_children ON messages (session_id, parent_id, seq) WHERE summary = 0;
-- "A session's summaries": which belong to a path, where its latest is.
CREATE INDEX messages_summaries ON messages (session_id, seq) WHERE summary = 1;
-- "The active path in order": get_messages, the leaf a send appends to.
CREATE INDEX messages_path ON messages (session_id, seq) WHERE on_path = 1;
-- "The live context of the active path in order": every send reads it.
DROP INDEX messages_live;
CREATE INDEX messages_live ON messages (session_id, seq) WHERE compacted = 0 AND on_path = 1;
