package org.mailferry.submission;

import java.time.Clock;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.mailferry.config.Config;
import org.mailferry.smtp.SmtpInput;

/** What a session needs to know, taken from the config once. */
public record SessionSettings(String hostname, long maxMessageSizeBytes, int maxRecipients, Duration idleTimeout,
                              Duration commandTimeout, int maxLineLength, ClientPolicy policy, Clock clock,
                              SSLContext tls, Users users, int maxConnectionsPerClient, HeaderRules headers,
                              SmtpInput.TransferLimit dataLimit) {

    /** With Postfix's default header removal and no qualification ({@link #withHeaders} sets them). */
    public SessionSettings(String hostname, long maxMessageSizeBytes, int maxRecipients, Duration idleTimeout,
                           Duration commandTimeout, int maxLineLength, ClientPolicy policy, Clock clock,
                           SSLContext tls, Users users, int maxConnectionsPerClient) {
        this(hostname, maxMessageSizeBytes, maxRecipients, idleTimeout, commandTimeout, maxLineLength, policy, clock,
                tls, users, maxConnectionsPerClient, HeaderRules.DROP_ONLY, SmtpInput.TransferLimit.NONE);
    }

    /** The same settings with these header rules (headers.drop, headers.qualify). */
    public SessionSettings withHeaders(HeaderRules rules) {
        return new SessionSettings(hostname, maxMessageSizeBytes, maxRecipients, idleTimeout, commandTimeout,
                maxLineLength, policy, clock, tls, users, maxConnectionsPerClient, rules, dataLimit);
    }

    /** The same settings with this bound on a whole DATA phase (smtpd.data_timeout, smtpd.min_data_rate). */
    public SessionSettings withDataLimit(SmtpInput.TransferLimit limit) {
        return new SessionSettings(hostname, maxMessageSizeBytes, maxRecipients, idleTimeout, commandTimeout,
                maxLineLength, policy, clock, tls, users, maxConnectionsPerClient, headers, limit);
    }

    /** The rate is judged only after this much of a DATA phase, so a pause before the first bytes is no fault. */
    public static final Duration DATA_RATE_GRACE = Duration.ofSeconds(10);

    /** Without STARTTLS and AUTH. */
    public SessionSettings(String hostname, long maxMessageSizeBytes, int maxRecipients, Duration idleTimeout,
                           Duration commandTimeout, int maxLineLength, ClientPolicy policy, Clock clock) {
        this(hostname, maxMessageSizeBytes, maxRecipients, idleTimeout, commandTimeout, maxLineLength, policy, clock,
                null, null, Integer.MAX_VALUE);
    }

    /** RFC 5321 4.5.3.1.4 allows 512 octets; ESMTP parameters (SIZE, BODY, DSN) need more. */
    public static final int MAX_COMMAND_OCTETS = 1000;
    /** After this many errors in one session the client is disconnected (Postfix: smtpd_hard_error_limit). */
    public static final int MAX_ERRORS = 20;

    public static SessionSettings from(Config.Smtpd c, Clock clock) {
        Users users = c.users() == null ? null : Users.load(c.users()); // the file's mode is checked first
        return new SessionSettings(c.hostname(), c.maxMessageSizeBytes(), c.maxRecipients(), c.idleTimeout(),
                c.commandTimeout(), c.maxLineLength() <= 0 ? Integer.MAX_VALUE : c.maxLineLength(),
                ClientPolicy.of(c.mynetworks()), clock,
                c.tlsCert() == null ? null : ListenerTls.load(c.tlsCert(), c.tlsKey()),
                users, c.maxConnectionsPerClient()).withDataLimit(new SmtpInput.TransferLimit(
                c.dataTimeout().toNanos(), c.minDataRateBytesPerSecond(), DATA_RATE_GRACE.toNanos()));
    }
}
