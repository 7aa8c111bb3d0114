package org.mailferry.delivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;
import org.mailferry.config.Config;
import org.mailferry.config.RelaySecurity;
import org.mailferry.notify.DsnComposer;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Disk;
import org.mailferry.queue.Leases;
import org.mailferry.queue.RouteCounters;
import org.mailferry.queue.Spool;
import org.mailferry.rewrite.AddressRules;

/**
 * The delivery side of the wiring (called by Mailferry only): the one place the scheduler's parts
 * are built from the config and handed to each other, so no part constructs another's
 * collaborators. It lives in this package so the parts stay package-private. A reload builds the
 * attempt's steps again here ({@link #reconfigure}).
 */
public final class DeliveryWiring {
    /** How long an operator's command waits for a running attempt to let go of its message. */
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private final QueueRunner runner;
    private final QueueControl control;
    private final Sites sites;
    private final Spool spool;
    private final Clock clock;
    private final ClusterFeed feed;

    private DeliveryWiring(QueueRunner runner, QueueControl control, Sites sites, Spool spool, Clock clock,
                           ClusterFeed feed) {
        this.runner = runner;
        this.control = control;
        this.sites = sites;
        this.spool = spool;
        this.clock = clock;
        this.feed = feed;
    }

    public static DeliveryWiring of(Spool spool, Config config, EventListener events, Clock clock) {
        return of(spool, Leases.SOLE, null, config, events, clock, Disk.system());
    }

    /**
     * @param leases   how this node keeps out of the others' way when they share the queue
     * @param counters where the routes' quota counters are shared with the other nodes, or null for
     *                 this node's SPOOL/quotas
     * @param disk     how SPOOL/quotas is written (the daemon's, with its sync threads)
     */
    public static DeliveryWiring of(Spool spool, Leases leases, RouteCounters counters, Config config,
                                    EventListener events, Clock clock, Disk disk) {
        Config.Relay relay = config.relay();
        Config.Queue queue = config.queue();
        RetrySchedule retry = new RetrySchedule(queue.retryMin(), queue.retryMax(), RandomGenerator.getDefault());
        DsnSender dsn = new DsnSender(spool, new DsnComposer(config.smtpd().hostname()), queue.delayWarning(),
                queue.lifetime(), queue.bounceSizeLimitBytes());
        Schedule schedule = new Schedule(clock);
        Sites sites = new Sites(clock, relay.siteBackoffMin(), relay.siteBackoffMax());
        Pipeline pipeline = pipeline(spool, relay, config.rewrite(), sites, clock);
        Recorder recorder = new Recorder(spool, queue.lifetime(), retry, dsn, events);
        Troubles troubles = new Troubles(recorder, schedule, retry, clock, events);
        Workers workers = new Workers(schedule, clock, relay.connectionReuseTime());
        Claims claims = new Claims();
        Quotas quotas = new Quotas(clock, relay.quotaResetTime(),
                counters != null ? counters : new QuotaFile(disk, queue.spool()));
        QueueRunner runner = new QueueRunner(spool, relay, queue.lifetime(),
                new QueueRunner.Parts(schedule, sites, pipeline, recorder, troubles, workers, claims, new Deferrals(),
                        quotas, leases), events, clock);
        ClusterFeed feed = leases.shared() ? new ClusterFeed(leases, runner, 2 * relay.concurrency(),
                queue.postgresql() == null ? Duration.ofSeconds(10) : queue.postgresql().pollInterval()) : null;
        return new DeliveryWiring(runner, new QueueControl(spool, leases, runner, claims, events, clock, PATIENCE, dsn),
                sites, spool, clock, feed);
    }

    /** The attempt, step by step (a new concern is one more step in this list); one DNS cache. */
    private static Pipeline pipeline(Spool spool, Config.Relay relay, Config.Rewrite rewrite, Sites sites,
                                     Clock clock) {
        ClientSecurity security = ClientSecurity.from(relay.security() == null ? RelaySecurity.DEFAULT
                : relay.security(), clock);
        return new Pipeline(List.of(new Reuse(sites), new Route(Router.of(relay), relay),
                new Admission(sites), new Connect(relay.heloName(), SmtpClient.Timeouts.of(relay), security),
                new StartTls(relay.heloName(), security), new Authenticate(security), new SessionOpened(sites),
                new Rewrite(new AddressRules(rewrite), rewrite.sendAsLogin()), new Transaction(spool)));
    }

    /**
     * A reload: the next attempts use {@code next}'s relay section (smarthosts, TLS, credentials,
     * timeouts, DNS servers) and its sender rewriting (rewrite.*, the generic map read again); the sites' up/down state is kept. Throws what building the steps
     * throws (an unreadable CA file: IllegalArgumentException) before anything is replaced.
     */
    public void reconfigure(Config next) throws IOException {
        runner.reconfigure(next.relay(), pipeline(spool, next.relay(), next.rewrite(), sites, clock));
    }

    /** The scheduler, not yet started. */
    public QueueRunner runner() {
        return runner;
    }

    /** Operator commands, under the runner's claims. */
    public QueueControl control() {
        return control;
    }

    /** Claims due messages from a shared queue (null with one node), not yet started. */
    public ClusterFeed feed() {
        return feed;
    }

    /** The smarthost sites and which of them are down (for the metrics). */
    public Sites sites() {
        return sites;
    }
}
