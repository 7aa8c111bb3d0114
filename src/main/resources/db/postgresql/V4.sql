-- Schema version 4: the webhook outbox in the database (notify/SharedWebhooks, queue/PgOutbox;
-- docs/cluster.md, "Webhooks"). A row is written in the same statement as the state change its
-- event reports (accept, update, retire), so it exists exactly when the change does; any node
-- claims and POSTs it, and deletes it on a 2xx or when its lifetime is over.
CREATE TABLE webhook_outbox (
    event_id       text NOT NULL,            -- the event's id (notify/EventId): sent as Mailferry-Event-Id
    url_index      integer NOT NULL,         -- which of webhook.url
    seq            bigserial,                -- the order they were made in
    message_id     text NOT NULL,            -- the queue id the event is about
    url            text NOT NULL,
    event          text NOT NULL,            -- received, delivered, deferred, ...
    body           text NOT NULL,            -- the JSON body
    created_ms     bigint NOT NULL,
    due_ms         bigint NOT NULL,          -- when it is next tried
    attempts       integer NOT NULL DEFAULT 0,
    lease_node     text,                     -- the node posting it, while lease_until_ms is ahead
    lease_until_ms bigint,
    PRIMARY KEY (event_id, url_index)
);
CREATE INDEX webhook_outbox_due ON webhook_outbox (due_ms);
CREATE INDEX webhook_outbox_order ON webhook_outbox (message_id, url, seq);
