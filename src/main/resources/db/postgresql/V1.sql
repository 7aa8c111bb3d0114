-- Mailferry's queue in PostgreSQL, schema version 1 (queue/PgSchema applies it; docs/cluster.md).
-- Times are milliseconds since the epoch from the nodes' clocks, as in the file spool's envelopes.

-- One row per message, queued (finished_ms null) or finished and kept for status lookups.
CREATE TABLE message (
    id             text PRIMARY KEY,         -- the queue id (QueueId)
    envelope       bytea NOT NULL,           -- EnvelopeCodec's text, as in queue/ID.env
    headers        bytea NOT NULL,           -- the body's header block (status lookups, DSNs)
    message_id     text,                     -- the Message-ID field without <>, for lookups
    next_attempt_ms bigint NOT NULL,         -- when delivery is next due
    held           boolean NOT NULL,         -- put on hold by an operator
    chunks         integer NOT NULL,         -- how many body_chunk rows the body has
    finished_ms    bigint,                   -- null while queued; when it was retired
    lease_node     text,                     -- the node attempting it, while lease_until_ms is ahead
    lease_until_ms bigint
);
-- what a node claims from: queued, not held, by due time
CREATE INDEX message_due ON message (next_attempt_ms) WHERE finished_ms IS NULL AND NOT held;
CREATE INDEX message_message_id ON message (message_id);
CREATE INDEX message_finished ON message (finished_ms) WHERE finished_ms IS NOT NULL;

-- A message's body in pieces, so that neither side ever holds a large body whole in memory.
-- Written in the same transaction as the message row; removed with it (remove, retire).
CREATE TABLE body_chunk (
    id   text NOT NULL,
    seq  integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (id, seq)
);
