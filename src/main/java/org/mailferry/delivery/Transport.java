package org.mailferry.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.config.Config;
import org.mailferry.message.Envelope;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.queue.Spool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt's way to the smarthost: the body from the spool, a cached connection or the route's
 * addresses in order, each tried by its own site state ({@link Sites}): a site that is down is
 * skipped with its reason (unless this attempt is its probe), a failed session marks the site
 * down, and the next address or smarthost is the failover. A site that times out in the middle of
 * a session (a reply or a transaction over its deadline, a write that does not complete) is failing
 * too: marked down, the message deferred, as Postfix throttles a destination after a timeout
 * ({@code smtp_stream_except}). A connection lost mid-session does not mark the site down.
 */
final class Transport {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    /**
     * What one attempt did. {@code downSites}: sites found down on the way, so the message was
     * deferred without (or after) connecting. {@code siteBack}: this attempt's session brought a
     * down site back.
     *
     * @param dsnOffered the smarthost offered DSN, so NOTIFY and the rest were passed on
     */
    record Attempted(List<DeliveryOutcome> outcomes, SmtpClient connection, boolean dsnOffered,
                     List<String> downSites, boolean siteBack) {
        static Attempted of(List<DeliveryOutcome> outcomes, SmtpClient connection, boolean dsnOffered) {
            return new Attempted(outcomes, connection, dsnOffered, List.of(), false);
        }

        Attempted afterSites(List<String> down, boolean back) {
            return new Attempted(outcomes, connection, dsnOffered, down, back);
        }
    }

    private final Spool spool;
    private final Config.Relay relay;
    private final ClientSecurity security;
    private final Sites sites;
    private final Router router;

    Transport(Spool spool, Config.Relay relay, ClientSecurity security, Sites sites, Router router) {
        this.spool = spool;
        this.relay = relay;
        this.security = security;
        this.sites = sites;
        this.router = router;
    }

    Attempted deliver(Envelope env, SmtpClient connection) {
        int pending = env.pending().size();
        if (connection != null && connection.isReusable()) {
            try {
                return send(env, connection, pending);
            } catch (Deadline.TooSlow e) {
                connection.close();
                return timedOut(e, connection.relay(), pending, new ArrayList<>());
            } catch (IOException e) {
                // A cached connection may have been closed by the server while idle, or silently
                // dropped by a middlebox (a plain timeout): one fresh try.
                connection.close();
            }
        } else if (connection != null) {
            connection.close();
        }
        List<Router.Target> targets;
        try {
            targets = router.targets(relay.smarthosts());
        } catch (LookupFailure e) {
            return Attempted.of(repeat(Classifier.classify(e), pending), null, false);
        }
        DeliveryOutcome siteFailure = null;
        List<String> down = new ArrayList<>();
        for (Router.Target t : targets) {
            String site = t.hostName() + "[" + t.address().getAddress().getHostAddress() + "]:"
                    + t.address().getPort();
            Sites.Admission admission = sites.admit(site);
            if (admission.verdict() == Sites.Verdict.SKIP) {
                siteFailure = siteFailure == null ? admission.deferral() : siteFailure;
                down.add(site);
                continue;
            }
            boolean probe = admission.verdict() == Sites.Verdict.PROBE;
            SmtpClient c = null;
            try {
                c = SmtpClient.open(t.address(), t.hostName(), names(t), relay.heloName(),
                        SmtpClient.Timeouts.of(relay), security, SmtpClient.Trace.NONE);
            } catch (SecurityFailure e) {
                if (e.authentication()) {
                    log.error("AUTHENTICATION FAILED: {}; messages stay queued until the credentials are fixed",
                            e.getMessage());
                }
                siteFailure = failed(site, new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.SITE, site,
                        e.getMessage(), e.status()), down);
            } catch (IOException e) {
                siteFailure = failed(site, Classifier.classify(e, "connect to " + site, site), down);
            } catch (SmtpClient.SessionRefused e) {
                siteFailure = failed(site, Classifier.classifySessionRefused(e.reply(), site), down);
            } finally {
                if (probe && c == null && !down.contains(site)) {
                    sites.abandon(site); // the probe ended on our side without an answer
                }
            }
            if (c == null) {
                continue; // next address or smarthost
            }
            boolean back = sites.succeeded(site);
            Attempted a = conversation(env, c, site, pending, down);
            return a.afterSites(down, back && !down.contains(site));
        }
        return Attempted.of(repeat(siteFailure, pending), null, false).afterSites(down, false);
    }

    private DeliveryOutcome.TemporaryFailure failed(String site, DeliveryOutcome.TemporaryFailure f,
                                                    List<String> down) {
        sites.failed(site, f);
        down.add(site);
        return f;
    }

    /** Sends over {@code c}; an IOException is the connection's (an unreadable body is an outcome). */
    private Attempted send(Envelope env, SmtpClient c, int pending) throws IOException {
        InputStream body;
        try {
            body = spool.openBody(env.id());
        } catch (IOException e) {
            return unreadableBody(e, pending, c);
        }
        try (body) {
            return Attempted.of(c.send(env, body), keep(c), c.offers("DSN"));
        }
    }

    private Attempted conversation(Envelope env, SmtpClient c, String site, int pending, List<String> down) {
        try {
            return send(env, c, pending);
        } catch (SocketTimeoutException e) {
            c.close();
            return timedOut(e, site, pending, down);
        } catch (IOException e) {
            c.close();
            return Attempted.of(repeat(Classifier.classify(e, "conversation with " + site, site), pending), null,
                    false);
        }
    }

    /** The site answered too slowly or not at all: it is failing, as if its session could not be opened. */
    private Attempted timedOut(SocketTimeoutException e, String site, int pending, List<String> down) {
        DeliveryOutcome.TemporaryFailure f = failed(site, Classifier.classify(e, "conversation with " + site, site),
                down);
        return Attempted.of(repeat(f, pending), null, false).afterSites(down, false);
    }

    /** The body cannot be read: our problem, not the site's; the connection stays usable. */
    private static Attempted unreadableBody(IOException e, int pending, SmtpClient connection) {
        DeliveryOutcome f = new DeliveryOutcome.TemporaryFailure(DeliveryOutcome.Scope.MESSAGE, "none",
                "cannot read the message body from the spool: " + e, EnhancedStatus.TEMP_LOCAL_ERROR);
        return Attempted.of(repeat(f, pending), connection, false);
    }

    /** Names to look credentials up by: the host connected to, then the configured smarthost names. */
    private List<String> names(Router.Target t) {
        List<String> names = new ArrayList<>(List.of(t.hostName()));
        for (org.mailferry.config.Smarthost s : relay.smarthosts()) {
            if (s.port() == t.address().getPort() && !names.contains(s.host())) {
                names.add(s.host());
            }
        }
        return names;
    }

    private static SmtpClient keep(SmtpClient c) {
        if (c.isReusable()) {
            return c;
        }
        c.close();
        return null;
    }

    static List<DeliveryOutcome> repeat(DeliveryOutcome o, int n) {
        List<DeliveryOutcome> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(o);
        }
        return out;
    }
}
