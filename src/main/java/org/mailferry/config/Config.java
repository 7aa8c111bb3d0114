package org.mailferry.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The whole configuration, typed and validated. Built by {@link ConfigLoader}. */
public record Config(Smtpd smtpd, Queue queue, Relay relay, Admin admin, Webhook webhook, Sendmail sendmail,
                     Headers headers) {

    public record Smtpd(InetSocketAddress listen, String hostname, long maxMessageSizeBytes, int maxRecipients,
                        int maxConnections, Duration idleTimeout, Duration commandTimeout, int maxLineLength,
                        List<String> mynetworks, Path tlsCert, Path tlsKey, Path users,
                        int maxConnectionsPerClient, int mynetworksReservedConnections, Duration authFailureDelay,
                        Duration dataTimeout, long minDataRateBytesPerSecond) {
    }

    /** @param delayWarning zero: no delay warnings */
    public record Queue(Path spool, Duration retryMin, Duration retryMax, Duration lifetime, Duration delayWarning,
                        long bounceSizeLimitBytes, long journalLimitBytes) {
    }

    /**
     * @param smarthosts empty: nothing is relayed, messages stay queued
     * @param dnsServers empty: the name servers of /etc/resolv.conf
     * @param limits     the smarthost route's quotas (relay.message_rate and the rest)
     * @param quotaResetTime when (UTC) a day's quotas start again
     */
    public record Relay(List<Smarthost> smarthosts, String heloName, Duration connectTimeout,
                        Duration commandTimeout, int concurrency, Duration connectionReuseTime,
                        RelaySecurity security, Duration siteBackoffMin, Duration siteBackoffMax,
                        Duration transactionTimeout, Duration replyTransferTimeout,
                        List<InetSocketAddress> dnsServers, RateLimits limits, java.time.LocalTime quotaResetTime) {
    }

    /**
     * @param listen     null when the admin API is off
     * @param group      "" when no admin group is configured
     * @param mailqUsers "anyone" or user names
     */
    public record Admin(InetSocketAddress listen, Duration historyRetention, String group, List<String> mailqUsers,
                        List<String> hostNames) {
    }

    /** @param secretFile null: requests are not signed */
    public record Webhook(List<java.net.URI> urls, List<String> events, Path secretFile, Duration lifetime) {
    }

    /**
     * The sendmail command's side: what it reads (published for it by the daemon, cli/PublicConfig)
     * and the submit socket's bounds (SPOOL/public/submit.sock, its way in).
     * @param configFile the file the config was read from; null: none, the defaults
     * @param originDomain sendmail.origin_domain, or its default
     */
    public record Sendmail(Path configFile, String originDomain, int maxConnections, int maxConnectionsPerUser,
                           Duration requestTimeout) {
    }

    /**
     * The header-rewriting step of every way in (submission/HeaderRewriter).
     * @param drop    lower-case names of the header fields removed (headers.drop)
     * @param qualify "local", "sendmail" or "off" (headers.qualify)
     */
    public record Headers(List<String> drop, String qualify) {
    }
}
