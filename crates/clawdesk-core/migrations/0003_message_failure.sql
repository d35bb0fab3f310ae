-- Why a reply did not complete, so a failed or cancelled reply still says
-- why after a restart. Additive: existing rows keep NULL (no reason known).

-- A FailureCode as the IPC layer spells it ('network', 'auth', 'cancelled', ...).
ALTER TABLE messages ADD COLUMN failure_code TEXT;
-- The message its stream-error carried, for people.
ALTER TABLE messages ADD COLUMN failure_message TEXT;
