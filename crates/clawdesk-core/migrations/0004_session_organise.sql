-- Sessions users organise: pinning, a per-chat system prompt, and renames
-- that win over the title taken from the first message. Additive: existing
-- rows keep every value (unpinned, no prompt of their own, titles as
-- defaulted).

-- 1 while the user keeps the chat at the top of the list.
ALTER TABLE sessions ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
-- Replaces the configured default system prompt for this chat; NULL uses the default.
ALTER TABLE sessions ADD COLUMN system_prompt TEXT;
-- 1 once the user renamed the chat: the first message no longer titles it.
ALTER TABLE sessions ADD COLUMN title_set INTEGER NOT NULL DEFAULT 0 CHECK (title_set IN (0, 1));

-- "A page of the sidebar, pinned first": list_sessions_page with pinnedFirst
-- walks this index from a keyset cursor (without pinnedFirst it walks
-- sessions_by_last_active).
CREATE INDEX sessions_by_pinned_last_active ON sessions (pinned DESC, last_active DESC, id DESC);
