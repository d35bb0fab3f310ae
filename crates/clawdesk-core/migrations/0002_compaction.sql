-- Token counts per message, and compaction: summarized messages leave the
-- live context (what requests are built from) but stay readable.

-- Tokens the message takes in a request: the provider's output count for a
-- reply, the tokenizer's count (or the calibrated estimate) otherwise. NULL
-- for rows written before this column existed; readers estimate those.
ALTER TABLE messages ADD COLUMN tokens INTEGER;
-- 1 once a compaction replaced the message by a summary.
ALTER TABLE messages ADD COLUMN compacted INTEGER NOT NULL DEFAULT 0 CHECK (compacted IN (0, 1));
-- 1 for the system message a compaction wrote.
ALTER TABLE messages ADD COLUMN summary INTEGER NOT NULL DEFAULT 0 CHECK (summary IN (0, 1));

UPDATE messages SET tokens = output_tokens
WHERE role = 'assistant' AND output_tokens IS NOT NULL AND status = 'complete';

-- "The live context of a session in order": every send reads it.
CREATE INDEX messages_live ON messages (session_id, seq) WHERE compacted = 0;
