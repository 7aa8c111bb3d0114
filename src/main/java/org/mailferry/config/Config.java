package org.mailferry.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The whole configuration, typed and validated. Built by {@link ConfigLoader}. */
public record Config(Smtpd smtpd, Queue queue, Relay relay, Admin admin, Webhook webhook, Sendmail sendmail,
                     Headers headers, Rewrite rewrite, Log log) {

    public record Smtpd(InetSocketAddress listen, String hostname, long maxMessageSizeBytes, int maxRecipients,
                        int maxConnections, Duration idleTimeout, Duration commandTimeout, int maxLineLength,
                        List<String> mynetworks, Path tlsCert, Path tlsKey, Path users,
                        int maxConnectionsPerClient, int mynetworksReservedConnections, Duration authFailureDelay,
                        Duration dataTimeout, long minDataRateBytesPerSecond) {
    }

    /**
     * @param delayWarning zero: no delay warnings
     * @param postgresql   null: the queue is in the spool directory's files (queue.backend = "files")
     */
    public record Queue(Path spool, Duration retryMin, Duration retryMax, Duration lifetime, Duration delayWarning,
                        long bounceSizeLimitBytes, long journalLimitBytes, Postgresql postgresql) {
    }

    /**
     * queue.backend = "postgresql" (docs/cluster.md).
     * @param passwordFile    null: none
     * @param passwordCommand empty: none; with no file either, no password
     * @param prefetch        queue.prefetch, or -1 when not set ({@link #prefetch(int)})
     */
    public record Postgresql(String url, String user, Path passwordFile, List<String> passwordCommand, int poolSize,
                             Duration leaseTime, Duration pollInterval, int prefetch) {
        /** Default of queue.prefetch: this many times relay.concurrency. */
        public static final int PREFETCH_PER_WORKER = 8;

        /** queue.prefetch, or its default for {@code concurrency} workers when not set. */
        public int prefetch(int concurrency) {
            return prefetch >= 0 ? prefetch : PREFETCH_PER_WORKER * concurrency;
        }

        /** The password, read from its file or command now (at start); "" when none is configured. */
        public Secret password() throws ConfigException, java.io.IOException {
            if (passwordFile != null) {
                String text = SecretFile.read(passwordFile);
                int nl = text.indexOf('\n');
                return new Secret((nl < 0 ? text : text.substring(0, nl)).strip());
            }
            return passwordCommand.isEmpty() ? new Secret("")
                    : SecretCommand.firstLine(passwordCommand, Key.QUEUE_POSTGRESQL_PASSWORD_COMMAND.name());
        }
    }

    /**
     * @param smarthosts empty: nothing is relayed, messages stay queued
     * @param dnsServers empty: the name servers of /etc/resolv.conf
     * @param limits     the smarthost route's quotas (relay.message_rate and the rest)
     * @param quotaResetTime when (UTC) a day's quotas start again
     * @param senderRelays relay.sender_relay_map's entries, in file order; empty: none
     * @param senderDependentAuthentication credentials looked up by envelope sender first
     */
    public record Relay(List<Smarthost> smarthosts, String heloName, Duration connectTimeout,
                        Duration commandTimeout, int concurrency, Duration connectionReuseTime,
                        RelaySecurity security, Duration siteBackoffMin, Duration siteBackoffMax,
                        Duration transactionTimeout, Duration replyTransferTimeout,
                        List<InetSocketAddress> dnsServers, RateLimits limits, java.time.LocalTime quotaResetTime,
                        List<SenderRelayMap.Entry> senderRelays, boolean senderDependentAuthentication) {
    }

    /**
     * @param listen     null when the admin API is off
     * @param group      "" when no admin group is configured
     * @param mailqUsers "anyone" or user names
     */
    /** @param tlsCert null: plain HTTP (only allowed on a loopback address), else HTTPS with tlsKey */
    public record Admin(InetSocketAddress listen, Duration historyRetention, String group, List<String> mailqUsers,
                        List<String> hostNames, Path tlsCert, Path tlsKey) {
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

    /**
     * Where the daemon logs (log.*; notify/LogOutput).
     * @param target "stdout", "syslog" or "journald"
     * @param format "text" or "json"
     * @param socket the syslog or journald socket (its default for the target when not set)
     */
    public record Log(String target, String format, Path socket) {
        public static final Log STDOUT = new Log("stdout", "text", null);
    }

    /**
     * Sender rewriting at delivery (rewrite.*; org.mailferry.rewrite): the spool keeps what the
     * application sent.
     * @param masqueradeAs        "" when off: unqualified senders and those at a local name keep theirs
     * @param localNames          lower-case domains that are this host's own (sendmail's class w)
     * @param masqueradeDomains   Postfix's masquerade_domains, in order; "!name" leaves name's subdomains alone
     * @param masqueradeExceptions lower-case local parts never masqueraded (masquerade_exceptions)
     * @param masqueradeClasses   role words ("envelope_sender", "header_sender", "header_recipient")
     * @param genericClasses      the same for the generic map
     * @param sendAsLogin         smarthost names (or "*") whose login becomes the sender
     */
    public record Rewrite(String masqueradeAs, List<String> localNames, List<String> masqueradeDomains,
                          List<String> masqueradeExceptions, List<String> masqueradeClasses, GenericMap genericMap,
                          List<String> genericClasses, List<String> sendAsLogin) {
        public static final Rewrite NONE = new Rewrite("", List.of(), List.of(), List.of(), List.of(),
                GenericMap.EMPTY, List.of(), List.of());

        public Rewrite {
            localNames = List.copyOf(localNames);
            masqueradeDomains = List.copyOf(masqueradeDomains);
            masqueradeExceptions = List.copyOf(masqueradeExceptions);
            masqueradeClasses = List.copyOf(masqueradeClasses);
            genericClasses = List.copyOf(genericClasses);
            sendAsLogin = List.copyOf(sendAsLogin);
        }
    }
}
