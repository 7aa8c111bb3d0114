package org.mailferry.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The whole configuration, typed and validated. Built by {@link ConfigLoader}. */
public record Config(Smtpd smtpd, Queue queue, Relay relay, Admin admin, Webhook webhook) {

    public record Smtpd(InetSocketAddress listen, String hostname, long maxMessageSizeBytes, int maxRecipients,
                        int maxConnections, Duration idleTimeout, Duration commandTimeout, int maxLineLength,
                        List<String> mynetworks, Path tlsCert, Path tlsKey, Path users,
                        int maxConnectionsPerClient) {
    }

    /** @param delayWarning zero: no delay warnings */
    public record Queue(Path spool, Duration retryMin, Duration retryMax, Duration lifetime, Duration delayWarning,
                        long bounceSizeLimitBytes, long journalLimitBytes) {
    }

    /** @param smarthosts empty: nothing is relayed, messages stay queued */
    public record Relay(List<Smarthost> smarthosts, String heloName, Duration connectTimeout,
                        Duration commandTimeout, int concurrency, Duration connectionReuseTime,
                        RelaySecurity security, Duration siteBackoffMin, Duration siteBackoffMax) {
    }

    /** @param listen null when the admin API is off */
    public record Admin(InetSocketAddress listen, Duration historyRetention) {
    }

    /** @param secretFile null: requests are not signed */
    public record Webhook(List<java.net.URI> urls, List<String> events, Path secretFile, Duration lifetime) {
    }
}
