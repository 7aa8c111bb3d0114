-- Schema version 2: the routes' quotas counted for the whole cluster (delivery/Quotas decides,
-- queue/PgRouteCounters keeps; docs/cluster.md, "Quotas").

-- One row per route (a smarthost with its login) that has limits or was paused. A node changes a
-- row only while it holds the row's lock (SELECT ... FOR UPDATE, then UPDATE, one transaction).
CREATE TABLE route_quota (
    route           text PRIMARY KEY,
    next_slot_ms    bigint NOT NULL DEFAULT 0,   -- the next free slot of relay.message_rate
    day_start_ms    bigint NOT NULL DEFAULT 0,   -- the day day_recipients counts (relay.quota_reset_time)
    day_recipients  bigint NOT NULL DEFAULT 0,   -- recipients sent that day (relay.recipient_daily_limit)
    paused_until_ms bigint NOT NULL DEFAULT 0,   -- a quota reply paused the route until then
    pause_reason    text NOT NULL DEFAULT ''
);

-- Open connections per route and node (relay.connection_limit counts the sum of the live rows).
-- A node renews until_ms while it runs; a dead node's rows stop counting when until_ms passes.
CREATE TABLE route_connection (
    route       text NOT NULL,
    node        text NOT NULL,
    connections integer NOT NULL,
    until_ms    bigint NOT NULL,
    PRIMARY KEY (route, node)
);
