-- Schema version 3: the rate slot each waiting message reserved (delivery/Quotas), kept with the
-- route's counters so that whichever node attempts the message at that time uses it, instead of
-- the slot going unused and the message queueing again at the end (docs/cluster.md, "Quotas").
CREATE TABLE route_slot (
    route   text NOT NULL,
    id      text NOT NULL,     -- the message's queue id
    slot_ms bigint NOT NULL,   -- when it may go
    PRIMARY KEY (route, id)
);

-- The messages sent on a route within its last period (relay.message_rate), each with when it
-- started, moved to when its attempt ended: a message may start only while fewer than the limit
-- have, so the smarthost, counting arrivals, never sees one too many in a period even when one
-- message takes longer to get there than the next. Rows older than the period are deleted.
CREATE TABLE route_sent (
    route text NOT NULL,
    id    text NOT NULL,
    t_ms  bigint NOT NULL,
    PRIMARY KEY (route, id)
);
CREATE INDEX route_sent_time ON route_sent (route, t_ms);
