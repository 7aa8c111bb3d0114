package org.mailferry;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.mailferry.admin.AdminServer;
import org.mailferry.cli.Commands;
import org.mailferry.cli.PublicConfig;
import org.mailferry.cli.QueueListing;
import org.mailferry.cli.SendmailInDaemon;
import org.mailferry.cli.Sysexits;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigSource;
import org.mailferry.config.RestartKeys;
import org.mailferry.delivery.DeliveryWiring;
import org.mailferry.delivery.QueueControl;
import org.mailferry.delivery.QueueRunner;
import org.mailferry.delivery.Sites;
import org.mailferry.message.Envelope;
import org.mailferry.notify.Events;
import org.mailferry.notify.FileWebhooks;
import org.mailferry.notify.MailLog;
import org.mailferry.notify.Metrics;
import org.mailferry.notify.ReceivedEvents;
import org.mailferry.notify.SharedWebhooks;
import org.mailferry.notify.Webhooks;
import org.mailferry.queue.Disk;
import org.mailferry.queue.JournalSpool;
import org.mailferry.queue.PgLeases;
import org.mailferry.queue.PgPool;
import org.mailferry.queue.PgSchema;
import org.mailferry.queue.PgSpool;
import org.mailferry.queue.Storage;
import org.mailferry.queue.QueueAccess;
import org.mailferry.queue.SpoolLock;
import org.mailferry.queue.SyncThreads;
import org.mailferry.submission.AuthFailures;
import org.mailferry.submission.ConnectionSlots;
import org.mailferry.submission.HeaderRules;
import org.mailferry.submission.ListenerTls;
import org.mailferry.submission.LocalSubmission;
import org.mailferry.submission.PasswordChecks;
import org.mailferry.submission.Pickup;
import org.mailferry.submission.Refusals;
import org.mailferry.submission.SessionSettings;
import org.mailferry.submission.SmtpListener;
import org.mailferry.submission.SubmitSocket;
import org.slf4j.LoggerFactory;

/**
 * The relay, wired together: the one place its parts are constructed and handed to each other
 * (delivery's parts in {@link DeliveryWiring}); and the command-line entry point, whose commands
 * live in {@code cli} ({@link Commands}). Wiring only.
 */
public final class Mailferry implements AutoCloseable {
    static final int EX_IOERR = Sysexits.EX_IOERR;

    private final Events events = new Events();
    private final Storage spool;
    private final QueueRunner runner;
    private final Sites sites;
    private final SmtpListener listener;
    private final Metrics metrics = new Metrics();
    private final Refusals refusals = new Refusals();
    private final Webhooks webhooks;
    private final QueueControl control;
    private final org.mailferry.delivery.ClusterFeed feed; // null with one node
    private final AdminServer admin;
    private final Config config;
    /** The configuration in use: the started one, or the last one a reload applied. */
    private volatile Config current;
    /** How the daemon's configuration is read again for a reload; null: reload is not available. */
    private volatile ConfigSource source;
    private final DeliveryWiring delivery;
    private final Clock clock;
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("history-sweep").factory());
    private SpoolLock lock;
    private final LocalSubmission local;
    private final Path spoolRoot;
    private SyncThreads syncThreads; // when start() made the disk
    private SubmitSocket submitSocket;
    private Pickup pickup;
    private InetSocketAddress bound;
    private InetSocketAddress adminBound;

    private final CompletableFuture<Integer> stopped = new CompletableFuture<>();

    private Mailferry(Config config, Clock clock, Disk disk) throws IOException {
        this.config = config;
        this.current = config;
        this.clock = clock;
        events.add(new MailLog());
        events.add(metrics);
        spool = storage(config, clock, disk, "");
        webhooks = webhooks(config, spool, clock, disk);
        events.add(webhooks);
        spool.onCommit(new ReceivedEvents(events));
        delivery = DeliveryWiring.of(spool, spool.leases(), spool instanceof PgSpool pg ? pg.routeCounters() : null,
                config, events, clock, disk);
        runner = delivery.runner();
        feed = delivery.feed();
        control = delivery.control();
        sites = delivery.sites();
        admin = new AdminServer(spool, spool, control, this::metricsText, config.queue().spool(),
                new AdminServer.Access(config.admin().group(), Stream.concat(config.admin().hostNames().stream(),
                        Stream.of(config.smtpd().hostname())).toList(), config.admin().tlsCert() == null ? null
                        : ListenerTls.load(config.admin().tlsCert(), config.admin().tlsKey(), "admin")),
                new AdminServer.Live(sites::down, () -> current.relay().smarthosts().stream().map(Object::toString).toList(),
                        spool::count), clock);
        events.add(admin.consoleListener());
        webhooks.onAnswer(admin::webhookAnswered);
        SessionSettings settings = sessionSettings(config, clock);
        listener = new SmtpListener(settings,
                new ConnectionSlots(config.smtpd().maxConnections(), config.smtpd().mynetworksReservedConnections()),
                new AuthFailures(config.smtpd().authFailureDelay(), clock, AuthFailures.SLEEP), spool, this::accepted)
                .reportRefusals(refusals)
                .checkPasswordsOn(new PasswordChecks(PasswordChecks.THREADS, PasswordChecks.QUEUE));
        spoolRoot = config.queue().spool();
        local = new LocalSubmission(settings, spool, this::accepted);
    }

    /**
     * The storage queue.backend names: the spool directory's files, or the PostgreSQL database
     * (its schema brought to this release's version, or refused when newer).
     * @param role "" for the daemon; for a command, its name (the database then sees "cli:NAME")
     */
    static Storage storage(Config config, Clock clock, Disk disk, String role) throws IOException {
        Config.Postgresql pg = config.queue().postgresql();
        if (pg == null) {
            return new JournalSpool(config.queue().spool(), clock, role.isEmpty() ? config.queue().journalLimitBytes() : 0,
                    disk);
        }
        String password;
        try {
            password = pg.password().reveal();
        } catch (org.mailferry.config.ConfigException e) {
            throw new IOException(e.getMessage());
        }
        String node = (role.isEmpty() ? "" : "cli:" + role + ":") + config.smtpd().hostname() + "/"
                + ProcessHandle.current().pid() + "/" + Long.toHexString(new java.security.SecureRandom().nextLong() & 0xffff);
        com.zaxxer.hikari.HikariDataSource db = PgPool.open(pg.url(), pg.user(), password,
                role.isEmpty() ? pg.poolSize() : 2);
        try {
            if (role.isEmpty()) {
                int applied = PgSchema.migrate(db, node);
                if (applied > 0) {
                    LoggerFactory.getLogger("mailferry").info("queue schema in {} brought to version {}", pg.url(),
                            PgSchema.VERSION);
                }
            } else {
                PgSchema.verify(db);
            }
        } catch (IOException | RuntimeException e) {
            db.close();
            throw e;
        }
        PgLeases leases = new PgLeases(db, node, pg.leaseTime(), clock);
        return new PgSpool(db, clock, leases);
    }

    private static SessionSettings sessionSettings(Config config, Clock clock) {
        return SessionSettings.from(config.smtpd(), clock).withHeaders(HeaderRules.of(
                config.headers().drop(), config.sendmail().originDomain(), config.headers().qualify()));
    }

    /** Where a reload reads the configuration again (serve's file, environment and options). */
    public void reloadFrom(ConfigSource from) {
        this.source = from;
    }

    /**
     * Reads the configuration again from its source and applies it ({@link #reload(Config)}); a
     * configuration that does not load is refused with one log line and the one in use stays.
     */
    public Reload reload() {
        ConfigSource from = source;
        if (from == null) {
            return Reload.refused("this relay was not started by 'mailferry serve'; nothing to read again");
        }
        try {
            return reload(from.read());
        } catch (ConfigException e) {
            return Reload.refused(e.getMessage());
        }
    }

    /**
     * Applies {@code next} to what comes from now on: the next SMTP connections and local
     * submissions, the next delivery attempts (smarthosts, TLS, credentials and every credential
     * file, read again). Sessions and attempts under way finish on the old settings; queued
     * messages are not touched. Keys built once at start (config/RestartKeys) are named in the log
     * line and wait for a restart. Everything is built before anything is replaced, so a
     * configuration that fails (an unreadable users file, certificate or CA file) changes nothing.
     */
    public synchronized Reload reload(Config next) {
        SessionSettings settings;
        Secrets secrets;
        try {
            settings = sessionSettings(next, clock);
            secrets = secrets(next);
            delivery.reconfigure(next);
        } catch (IllegalArgumentException | java.io.UncheckedIOException | IOException | ConfigException e) {
            return Reload.refused(e.getMessage());
        }
        webhooks.useSecret(secrets.webhook());
        if (secrets.adminToken() != null) {
            admin.useToken(secrets.adminToken());
        }
        if (secrets.database() != null) {
            ((PgSpool) spool).usePassword(secrets.database());
        }
        listener.reconfigure(settings);
        local.reconfigure(settings);
        current = next;
        if (submitSocket != null) {
            writePublicConfig(next);
        }
        List<String> restart = RestartKeys.changed(config, next);
        String text = "configuration reloaded" + (next.sendmail().configFile() == null ? ""
                : " from " + next.sendmail().configFile()) + "; relaying to "
                + (next.relay().smarthosts().isEmpty() ? "no smarthost" : next.relay().smarthosts().toString())
                + (restart.isEmpty() ? "" : "; changed, applied at the next start: " + String.join(", ", restart));
        LoggerFactory.getLogger("mailferry").info(text);
        return new Reload(true, text);
    }

    /**
     * What a reload reads again besides the relay's credentials (which delivery.reconfigure reads):
     * webhook.secret_file, SPOOL/admin.token, the database password; null where there is none.
     */
    private record Secrets(byte[] webhook, String adminToken, String database) {
    }

    private Secrets secrets(Config next) throws IOException, ConfigException {
        Config.Postgresql pg = next.queue().postgresql();
        return new Secrets(webhookSecret(next.webhook()), adminBound == null ? null : admin.readToken(),
                spool instanceof PgSpool && pg != null ? pg.password().reveal() : null);
    }

    /** What a reload did: applied, or refused with the reason (the configuration in use stays). */
    public record Reload(boolean applied, String text) {
        static Reload refused(String why) {
            String text = "reload refused: " + why + "; still running on the previous configuration";
            LoggerFactory.getLogger("mailferry").error(text);
            return new Reload(false, text);
        }
    }

    private void writePublicConfig(Config c) {
        try {
            PublicConfig.write(spoolRoot, c.sendmail().configFile(), c.smtpd().hostname(), c.sendmail().originDomain());
        } catch (IOException e) {
            LoggerFactory.getLogger("mailferry.submit").warn("cannot write the sendmail command's public config "
                    + "in {}/public: {}; users who may not read the config file cannot send", spoolRoot, e.toString());
        }
    }

    /** The content of webhook.secret_file, read now (at start and at each reload); null: unsigned. */
    private static byte[] webhookSecret(Config.Webhook w) throws IOException {
        return w.secretFile() == null ? null
                : Files.readString(w.secretFile(), StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
    }

    /** The webhook sender (or, without {@code start()}, only its on-disk outbox). */
    static Webhooks webhooks(Config config, Storage spool, Clock clock, Disk disk) throws IOException {
        Config.Webhook w = config.webhook();
        Webhooks.Settings settings = new Webhooks.Settings(w.urls(), Set.copyOf(w.events()), webhookSecret(w),
                w.lifetime());
        if (spool instanceof PgSpool pg) { // the outbox in the database, sent by whichever node
            return new SharedWebhooks(settings, pg.outbox(), pg.leases().node(), clock,
                    config.queue().postgresql().pollInterval());
        }
        return new FileWebhooks(settings, config.queue().spool().resolve("webhooks"), spool, clock, disk);
    }

    /** Who may list (mailq) and change the queue through the submit socket. */
    static QueueAccess access(Config config) {
        return new QueueAccess(QueueAccess.serviceUserOf(config.queue().spool()), config.admin().group(),
                config.admin().mailqUsers());
    }

    private String metricsText() {
        return metrics.render(Map.of(
                "mailferry_queue_messages", Map.entry("Messages in the queue.", spool.count()),
                "mailferry_webhooks_pending", Map.entry("Webhook deliveries not yet acknowledged.",
                        (long) webhooks.pendingCount()),
                "mailferry_smarthost_addresses_down", Map.entry("Smarthost addresses down (deferred at once, "
                        + "probed after a backoff).", (long) sites.down().size()),
                "mailferry_throttled_messages", Map.entry("Messages waiting for their route's quota (rate slot, daily "
                        + "recipients, pause), not attempted.", runner.throttledCount()),
                "mailferry_routes_paused", Map.entry("Routes paused by a quota reply until the quota resets.",
                        runner.pausedRoutes()))) + refusals.render();
    }

    /** Removes finished messages' history older than admin.history_retention; returns how many. */
    int sweepHistory() throws IOException {
        return spool.sweepFinished(clock.instant().minus(config.admin().historyRetention()));
    }

    /** A message is durably queued (its "received" event told by the spool's commit): schedule it. */
    private void accepted(Envelope env) {
        runner.schedule(env);
    }

    /** Starts the relay: recovers the spool, starts delivery, then listens. */
    public static Mailferry start(Config config, Clock clock) throws IOException {
        SyncThreads threads = new SyncThreads();
        try {
            Mailferry m = start(config, clock, Disk.system(threads));
            m.syncThreads = threads;
            return m;
        } catch (IOException | RuntimeException e) {
            threads.close();
            throw e;
        }
    }

    /** Starts the relay on a given disk (tests: one that fails or loses data on purpose). */
    public static Mailferry start(Config config, Clock clock, Disk disk) throws IOException {
        Mailferry m = new Mailferry(config, clock, disk);
        try {
            m.lock = SpoolLock.tryAcquire(config.queue().spool());
            if (m.lock == null) {
                throw new IOException("another mailferry daemon uses the spool " + config.queue().spool()
                        + "; stop it first, or give this one its own queue.spool");
            }
            m.spool.recover();
            if (m.spool.leases() instanceof PgLeases pg) {
                pg.prefetch(config.queue().postgresql().prefetch(config.relay().concurrency()));
                pg.start();
                ((PgSpool) m.spool).routeCounters().start();
            }
            m.runner.start();
            m.webhooks.start();
            if (config.admin().listen() != null) {
                try {
                    m.adminBound = m.admin.start(config.admin().listen());
                } catch (BindException e) {
                    throw new BindException("admin.listen " + config.admin().listen().getHostString() + ":"
                            + config.admin().listen().getPort() + ": " + e.getMessage()
                            + "; choose another admin.listen, or \"off\"");
                }
            }
            m.lock.publishAdminAddress(m.adminBound, config.admin().tlsCert());
            m.sweeper.scheduleWithFixedDelay(m::sweepQuietly, 0, 1, TimeUnit.HOURS);
            m.bound = m.listener.start(config.smtpd().listen());
            m.submitSocket = SubmitSocket.start(SubmitSocket.pathIn(m.spoolRoot), m.local,
                    out -> QueueListing.print(m.spool, out, ZoneId.systemDefault()),
                    m.control::flushAll, () -> {
                        Reload r = m.reload();
                        return (r.applied() ? "ok " : "fail ") + r.text();
                    }, new SendmailInDaemon(), config.sendmail(), access(config));
            m.writePublicConfig(config);
            m.pickup = new Pickup(m.spoolRoot, m.local).start();
            if (m.feed != null) {
                m.feed.start(); // the shared queue: due messages are leased as workers have room, none loaded at start
                return m;
            }
            Thread.ofVirtual().name("recover").start(() -> {
                try {
                    int n = m.runner.recover();
                    LoggerFactory.getLogger("mailferry.qmgr").info("queue recovered: {} message(s)", n);
                } catch (IOException | RuntimeException e) {
                    // a relay that does not schedule the messages it holds must not run half-started
                    LoggerFactory.getLogger("mailferry.qmgr").error("queue recovery failed: {}; stopping: the queued"
                            + " messages cannot be scheduled. Fix the cause (permissions, disk) and start again",
                            e.toString());
                    m.close();
                    m.stopped.complete(EX_IOERR);
                    return;
                }
                try {
                    m.spool.removeOrphanBodies();
                } catch (IOException e) {
                    LoggerFactory.getLogger("mailferry.qmgr").warn("removing incomplete messages failed: {}",
                            e.toString());
                }
            });
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** The SMTP listener's bound address (port 0 in the config: the one the system chose). */
    public InetSocketAddress listenAddress() {
        return bound;
    }

    /** The admin API's address, or null when admin.listen is off. */
    public InetSocketAddress adminAddress() {
        return adminBound;
    }

    // The parts below are reached by the in-JVM tests (and by anyone embedding the relay); they are
    // not a stable interface: the commands and the admin API are.

    /** The webhook sender. */
    public Webhooks webhooks() {
        return webhooks;
    }

    private void sweepQuietly() {
        try {
            sweepHistory();
        } catch (IOException e) {
            LoggerFactory.getLogger("mailferry.qmgr").warn("history sweep failed: {}", e.toString());
        }
    }

    /** Where the relay's events go (tests add a listener). */
    public Events events() {
        return events;
    }

    /** Completes with the exit status when the relay stopped by itself (a failed queue recovery). */
    public CompletableFuture<Integer> stopped() {
        return stopped;
    }

    /** The queue: on disk, or in the database. */
    public Storage spool() {
        return spool;
    }

    /** The delivery scheduler. */
    public QueueRunner runner() {
        return runner;
    }

    @Override
    public void close() {
        if (pickup != null) {
            pickup.close();
        }
        if (submitSocket != null) {
            submitSocket.close();
        }
        listener.close();
        if (feed != null) {
            feed.close();
        }
        runner.close();
        sweeper.shutdownNow();
        admin.close();
        webhooks.close();
        spool.close();
        if (syncThreads != null) {
            syncThreads.close(); // after the spool: its last syncs have ended
        }
        if (lock != null) {
            try {
                lock.close();
            } catch (IOException e) {
                LoggerFactory.getLogger("mailferry").warn("cannot release the spool lock: {}", e.toString());
            }
            lock = null;
        }
    }

    public static void main(String[] argv) {
        // Buffered: a queue listing of 100k messages is one write, not one per line.
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                false, StandardCharsets.UTF_8);
        int code = run(Arrays.asList(argv), out, System.err);
        out.flush();
        System.exit(code);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        return Commands.run(argv, out, err, new CommandWiring());
    }
}
