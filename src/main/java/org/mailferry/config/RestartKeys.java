package org.mailferry.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The keys a reload does not apply to the running daemon: what they configure is built once at
 * start (the listening sockets, the spool, the worker threads, the retry schedule, the admin API,
 * the webhooks sender, but not its secret; the database pool, but not its password). A reload that
 * changes one of them says so in its log line; the change takes effect at the next start. Every
 * other key (the smarthosts, relay TLS and credentials, timeouts, smtpd policy, users and
 * certificate, headers, the webhook secret, the database password) applies to the next connection
 * or attempt.
 */
public final class RestartKeys {
    private static final Map<String, Function<Config, Object>> KEYS = Map.ofEntries(
            Map.entry("smtpd.listen", c -> c.smtpd().listen()),
            Map.entry("smtpd.max_connections", c -> c.smtpd().maxConnections()),
            Map.entry("smtpd.mynetworks_reserved_connections", c -> c.smtpd().mynetworksReservedConnections()),
            Map.entry("smtpd.auth_failure_delay", c -> c.smtpd().authFailureDelay()),
            Map.entry("queue.spool", c -> c.queue().spool()),
            Map.entry("queue.retry_min", c -> c.queue().retryMin()),
            Map.entry("queue.retry_max", c -> c.queue().retryMax()),
            Map.entry("queue.lifetime", c -> c.queue().lifetime()),
            Map.entry("queue.delay_warning", c -> c.queue().delayWarning()),
            Map.entry("queue.bounce_size_limit", c -> c.queue().bounceSizeLimitBytes()),
            Map.entry("queue.journal_limit", c -> c.queue().journalLimitBytes()),
            Map.entry("queue.backend", c -> c.queue().postgresql() == null),
            Map.entry("queue.postgresql_url", c -> postgresql(c, Config.Postgresql::url)),
            Map.entry("queue.postgresql_user", c -> postgresql(c, Config.Postgresql::user)),
            Map.entry("queue.postgresql_pool_size", c -> postgresql(c, Config.Postgresql::poolSize)),
            Map.entry("queue.lease_time", c -> postgresql(c, Config.Postgresql::leaseTime)),
            Map.entry("queue.poll_interval", c -> postgresql(c, Config.Postgresql::pollInterval)),
            Map.entry("queue.prefetch", c -> postgresql(c, p -> p.prefetch(c.relay().concurrency()))),
            Map.entry("relay.concurrency", c -> c.relay().concurrency()),
            Map.entry("relay.connection_reuse_time", c -> c.relay().connectionReuseTime()),
            Map.entry("relay.site_backoff_min", c -> c.relay().siteBackoffMin()),
            Map.entry("relay.site_backoff_max", c -> c.relay().siteBackoffMax()),
            Map.entry("relay.message_rate", c -> List.of(c.relay().limits().messages(), c.relay().limits().period())),
            Map.entry("relay.recipient_daily_limit", c -> c.relay().limits().recipientsPerDay()),
            Map.entry("relay.connection_limit", c -> c.relay().limits().connections()),
            Map.entry("relay.quota_reset_time", c -> c.relay().quotaResetTime()),
            Map.entry("admin.*", Config::admin),
            Map.entry("webhook.url", c -> c.webhook().urls()),
            Map.entry("webhook.events", c -> c.webhook().events()),
            Map.entry("webhook.lifetime", c -> c.webhook().lifetime()),
            Map.entry("sendmail.max_connections", c -> c.sendmail().maxConnections()),
            Map.entry("sendmail.max_connections_per_user", c -> c.sendmail().maxConnectionsPerUser()),
            Map.entry("sendmail.request_timeout", c -> c.sendmail().requestTimeout()),
            Map.entry("log.*", Config::log));

    private RestartKeys() {
    }

    private static Object postgresql(Config c, Function<Config.Postgresql, Object> key) {
        return c.queue().postgresql() == null ? null : key.apply(c.queue().postgresql());
    }

    /** The keys (sorted; "admin.*" for a whole section) whose value differs between the two. */
    public static List<String> changed(Config running, Config next) {
        List<String> out = new ArrayList<>();
        KEYS.forEach((key, value) -> {
            if (!Objects.equals(value.apply(running), value.apply(next))) {
                out.add(key);
            }
        });
        out.sort(null);
        return out;
    }
}
