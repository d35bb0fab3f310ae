-- Several `clawdesk serve` processes on one database, acting as one service
-- (see `src/cluster/postgres.rs`). Nothing here holds what a user wrote:
-- these rows say who is alive, who streams where, and relay stream events.

-- A running process. It refreshes `heartbeat_at` every second; one whose
-- heartbeat is older than the lease time is dead, and whoever notices first
-- fails its streaming replies and frees its sessions.
CREATE TABLE instances (
    id           TEXT COLLATE "C" PRIMARY KEY,
    host         TEXT NOT NULL,
    pid          BIGINT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- A session taken by one instance for a send, a compaction, a switch or a
-- delete: at most one row per session, so one reply streams per session
-- across every instance (`sessionBusy` elsewhere). `lease_id` is fresh per
-- take, so a late release of an earlier take frees nothing. Not tied to
-- `sessions` by a foreign key: a delete holds the lease of the session it
-- removes.
CREATE TABLE session_leases (
    session_id  TEXT COLLATE "C" PRIMARY KEY,
    instance_id TEXT COLLATE "C" NOT NULL,
    lease_id    TEXT NOT NULL,
    taken_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX session_leases_by_instance ON session_leases (instance_id);

-- Stream events on their way to the other instances' subscribers. Writers
-- insert under one advisory lock, so `seq` order is commit order and a
-- reader that reads past its last `seq` misses nothing; a NOTIFY on
-- `clawdesk_events` wakes the readers. Rows live for a minute.
CREATE TABLE stream_events (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instance_id TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX stream_events_by_age ON stream_events (created_at);
