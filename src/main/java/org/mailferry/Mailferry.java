package org.mailferry;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.mailferry.cli.Arguments;
import org.mailferry.admin.AdminServer;
import org.mailferry.cli.QueueCommand;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.mailferry.delivery.QueueControl;
import org.mailferry.delivery.DsnSender;
import org.mailferry.delivery.QueueRunner;
import org.mailferry.delivery.RetrySchedule;
import org.mailferry.notify.DsnComposer;
import org.mailferry.notify.Events;
import org.mailferry.notify.MailLog;
import org.mailferry.notify.Metrics;
import org.mailferry.notify.Webhooks;
import org.mailferry.queue.JournalSpool;
import org.mailferry.queue.SpoolLock;
import org.mailferry.submission.AuthFailures;
import org.mailferry.submission.ConnectionSlots;
import org.mailferry.submission.LocalSubmission;
import org.mailferry.submission.Pickup;
import org.mailferry.submission.PasswordChecks;
import org.mailferry.submission.SessionSettings;
import org.mailferry.submission.SubmitSocket;
import org.mailferry.submission.SmtpListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The relay, wired together; and the command-line entry point. Wiring only. */
public final class Mailferry implements AutoCloseable {
    static final int EX_USAGE = 64;
    static final int EX_CONFIG = 78;
    static final int EX_IOERR = 74;
    static final int EX_NOPERM = 77;

    private final Events events = new Events();
    private final JournalSpool spool;
    private final QueueRunner runner;
    private final SmtpListener listener;
    private final Metrics metrics = new Metrics();
    private final org.mailferry.submission.Refusals refusals = new org.mailferry.submission.Refusals();
    private final Webhooks webhooks;
    private final QueueControl control;
    private final AdminServer admin;
    private final Config config;
    private final Clock clock;
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("history-sweep").factory());
    private SpoolLock lock;
    private final LocalSubmission local;
    private final Path spoolRoot;
    private SubmitSocket submitSocket;
    private Pickup pickup;
    private InetSocketAddress bound;
    private InetSocketAddress adminBound;

    private final java.util.concurrent.CompletableFuture<Integer> stopped = new java.util.concurrent.CompletableFuture<>();

    private Mailferry(Config config, Clock clock, org.mailferry.queue.Disk disk) throws IOException {
        this.config = config;
        this.clock = clock;
        events.add(new MailLog());
        events.add(metrics);
        spool = new JournalSpool(config.queue().spool(), clock, config.queue().journalLimitBytes(), disk);
        webhooks = webhooks(config, spool, clock, disk);
        events.add(webhooks);
        spool.onCommit(new org.mailferry.notify.ReceivedEvents(events));
        runner = new QueueRunner(spool, config.relay(), config.queue(),
                new RetrySchedule(config.queue().retryMin(), config.queue().retryMax(), RandomGenerator.getDefault()),
                new DsnSender(spool, new DsnComposer(config.smtpd().hostname()), config.queue().delayWarning(),
                        config.queue().lifetime(), config.queue().bounceSizeLimitBytes()),
                events, clock);
        control = new QueueControl(spool, runner, events, clock, Duration.ofSeconds(30));
        admin = new AdminServer(spool, spool, control, this::metricsText, config.queue().spool(),
                new AdminServer.Access(config.admin().group(), java.util.stream.Stream.concat(
                        config.admin().hostNames().stream(), java.util.stream.Stream.of(config.smtpd().hostname())).toList()));
        SessionSettings settings = SessionSettings.from(config.smtpd(), clock).withHeaders(
                org.mailferry.submission.HeaderRules.of(config.headers().drop(), config.sendmail().originDomain(),
                        config.headers().qualify()));
        listener = new SmtpListener(settings,
                new ConnectionSlots(config.smtpd().maxConnections(), config.smtpd().mynetworksReservedConnections()),
                new AuthFailures(config.smtpd().authFailureDelay(), clock, AuthFailures.SLEEP), spool, this::accepted)
                .reportRefusals(refusals)
                .checkPasswordsOn(new PasswordChecks(PasswordChecks.THREADS, PasswordChecks.QUEUE));
        spoolRoot = config.queue().spool();
        local = new LocalSubmission(settings, spool, this::accepted);
    }

    /** The webhook sender (or, without {@code start()}, only its on-disk outbox). */
    static Webhooks webhooks(Config config, JournalSpool spool, Clock clock, org.mailferry.queue.Disk disk)
            throws IOException {
        Config.Webhook w = config.webhook();
        byte[] secret = w.secretFile() == null ? null
                : Files.readString(w.secretFile(), StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        return new Webhooks(new Webhooks.Settings(w.urls(), Set.copyOf(w.events()), secret, w.lifetime()),
                config.queue().spool().resolve("webhooks"), spool, clock, disk);
    }

    /** Who may list (mailq) and change the queue through the submit socket. */
    static org.mailferry.queue.QueueAccess access(Config config) {
        return new org.mailferry.queue.QueueAccess(org.mailferry.queue.QueueAccess.serviceUserOf(config.queue().spool()),
                config.admin().group(), config.admin().mailqUsers());
    }

    private String metricsText() {
        return metrics.render(Map.of(
                "mailferry_queue_messages", Map.entry("Messages in the queue.", spool.count()),
                "mailferry_webhooks_pending", Map.entry("Webhook deliveries not yet acknowledged.",
                        (long) webhooks.pendingCount()),
                "mailferry_smarthost_addresses_down", Map.entry("Smarthost addresses down (deferred at once, "
                        + "probed after a backoff).", (long) runner.sites().down().size()))) + refusals.render();
    }

    /** Removes finished messages' history older than admin.history_retention; returns how many. */
    public int sweepHistory() throws IOException {
        return spool.sweepFinished(clock.instant().minus(config.admin().historyRetention()));
    }

    /** A message is durably queued (its "received" event told by the spool's commit): schedule it. */
    private void accepted(org.mailferry.message.Envelope env) {
        runner.schedule(env);
    }

    /** Starts the relay: recovers the spool, starts delivery, then listens. */
    public static Mailferry start(Config config, Clock clock) throws IOException {
        return start(config, clock, org.mailferry.queue.Disk.SYSTEM);
    }

    /** Starts the relay on a given disk (tests: one that fails or loses data on purpose). */
    public static Mailferry start(Config config, Clock clock, org.mailferry.queue.Disk disk) throws IOException {
        Mailferry m = new Mailferry(config, clock, disk);
        try {
            m.lock = SpoolLock.tryAcquire(config.queue().spool());
            if (m.lock == null) {
                throw new IOException("another mailferry daemon uses the spool " + config.queue().spool()
                        + "; stop it first, or give this one its own queue.spool");
            }
            m.spool.recover();
            m.runner.start();
            m.webhooks.start();
            if (config.admin().listen() != null) {
                try {
                    m.adminBound = m.admin.start(config.admin().listen());
                } catch (java.net.BindException e) {
                    throw new java.net.BindException("admin.listen " + config.admin().listen().getHostString() + ":"
                            + config.admin().listen().getPort() + ": " + e.getMessage()
                            + "; choose another admin.listen, or \"off\"");
                }
            }
            m.lock.publishAdminAddress(m.adminBound);
            m.sweeper.scheduleWithFixedDelay(m::sweepQuietly, 0, 1, TimeUnit.HOURS);
            m.bound = m.listener.start(config.smtpd().listen());
            m.submitSocket = SubmitSocket.start(SubmitSocket.pathIn(m.spoolRoot), m.local,
                    out -> org.mailferry.cli.QueueListing.print(m.spool, out, java.time.ZoneId.systemDefault()),
                    m.control::flushAll, new org.mailferry.cli.SendmailInDaemon(), config.sendmail(), access(config));
            try {
                org.mailferry.cli.PublicConfig.write(m.spoolRoot, config.sendmail().configFile(),
                        config.smtpd().hostname(), config.sendmail().originDomain());
            } catch (IOException e) {
                LoggerFactory.getLogger("mailferry.submit").warn("cannot write the sendmail command's public config "
                        + "in {}/public: {}; users who may not read the config file cannot send", m.spoolRoot, e.toString());
            }
            m.pickup = new Pickup(m.spoolRoot, m.local).start();
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

    public InetSocketAddress listenAddress() {
        return bound;
    }

    /** The admin API's address, or null when admin.listen is off. */
    public InetSocketAddress adminAddress() {
        return adminBound;
    }

    public Webhooks webhooks() {
        return webhooks;
    }

    public QueueControl control() {
        return control;
    }

    private void sweepQuietly() {
        try {
            sweepHistory();
        } catch (IOException e) {
            LoggerFactory.getLogger("mailferry.qmgr").warn("history sweep failed: {}", e.toString());
        }
    }

    public Events events() {
        return events;
    }

    /** Completes with the exit status when the relay stopped by itself (a failed queue recovery). */
    public java.util.concurrent.CompletableFuture<Integer> stopped() {
        return stopped;
    }

    public JournalSpool spool() {
        return spool;
    }

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
        runner.close();
        sweeper.shutdownNow();
        admin.close();
        webhooks.close();
        spool.close();
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
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16), false,
                java.nio.charset.StandardCharsets.UTF_8);
        int code = run(Arrays.asList(argv), out, System.err);
        out.flush();
        System.exit(code);
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || argv.get(0).equals("help") || argv.get(0).equals("--help")) {
            usage(argv.isEmpty() ? err : out);
            return argv.isEmpty() ? EX_USAGE : 0;
        }
        String command = argv.get(0);
        if (command.equals("passwd")) {
            return org.mailferry.cli.Passwd.run(argv.subList(1, argv.size()), System.console(), System.in, out, err);
        }
        List<String> rest = new java.util.ArrayList<>(argv.subList(1, argv.size()));
        String sendTest = command.equals("check") ? takeOption(rest, "--send-test") : null;
        String testSender = command.equals("check") ? takeOption(rest, "--from") : null;
        if (testSender != null && (sendTest == null || !org.mailferry.cli.SendTest.plausibleSender(testSender))) {
            err.println("mailferry: check: " + (sendTest == null ? "--from goes with --send-test TO"
                    : "--from '" + testSender + "' is not an address; write --from you@example.com (a sender the"
                            + " smarthost permits)"));
            usage(err);
            return EX_USAGE;
        }
        Arguments args;
        Config config;
        try {
            args = Arguments.parse(rest);
            config = ConfigLoader.load(args.config(), args.overrides());
        } catch (Arguments.UsageException e) {
            err.println("mailferry: " + e.getMessage());
            usage(err);
            return EX_USAGE;
        } catch (ConfigException e) {
            err.println("mailferry: " + e.getMessage());
            return EX_CONFIG;
        }
        try {
            switch (command) {
                case "serve" -> {
                    return serve(config, err);
                }
                case "check" -> {
                    return check(config, args, sendTest, testSender, out);
                }
                case "queue", "mailq" -> {
                    JournalSpool files = new JournalSpool(config.queue().spool(), Clock.systemUTC(), 0);
                    return new QueueCommand(config, files, () -> webhooks(config, files, Clock.systemUTC(),
                            org.mailferry.queue.Disk.SYSTEM),
                            access(config), out, err).run(args.rest());
                }
                case "status" -> {
                    return QueueCommand.status(new JournalSpool(config.queue().spool(), Clock.systemUTC(), 0),
                            args.rest(), out, err);
                }
                default -> {
                    err.println("mailferry: unknown command '" + command + "'");
                    usage(err);
                    return EX_USAGE;
                }
            }
        } catch (java.nio.file.AccessDeniedException e) {
            String spoolTrouble = command.equals("serve") ? org.mailferry.queue.SpoolPath.describe(config.queue().spool(), e)
                    : null;
            if (spoolTrouble != null) {
                err.println("mailferry: queue.spool (" + config.queue().spool() + "): " + spoolTrouble);
                return EX_IOERR;
            }
            err.println("mailferry: " + command + ": " + e.getFile() + ": permission denied" + (command.equals("serve")
                    || command.equals("check") ? "" : "; the spool is for " + access(config).operators()
                    + "; mailq lists the queue through the daemon"));
            return EX_NOPERM;
        } catch (IOException e) {
            String spoolTrouble = command.equals("serve") ? org.mailferry.queue.SpoolPath.describe(config.queue().spool(), e)
                    : null;
            if (spoolTrouble != null) {
                err.println("mailferry: queue.spool (" + config.queue().spool() + "): " + spoolTrouble);
                return EX_IOERR;
            }
            err.println("mailferry: " + e.getMessage());
            return EX_IOERR;
        } catch (IllegalArgumentException e) {
            err.println("mailferry: configuration: " + e.getMessage());
            return EX_CONFIG;
        }
    }

    private static int serve(Config config, PrintStream err) throws IOException {
        String notADirectory = org.mailferry.queue.SpoolPath.notADirectory(config.queue().spool());
        if (notADirectory != null) {
            err.println("mailferry: queue.spool (" + config.queue().spool() + "): " + notADirectory);
            return EX_IOERR;
        }
        Logger log = LoggerFactory.getLogger("mailferry");
        Mailferry m;
        try {
            m = start(config, Clock.systemUTC());
        } catch (java.net.BindException e) {
            String why = String.valueOf(e.getMessage());
            InetSocketAddress listen = config.smtpd().listen();
            String fix = listen.getPort() < 1024 && why.contains("Permission denied")
                    ? ": a port below 1024 needs the capability CAP_NET_BIND_SERVICE, which user "
                            + System.getProperty("user.name") + " does not have; the installed service gets it from"
                            + " its unit (AmbientCapabilities=CAP_NET_BIND_SERVICE: start it with 'systemctl start"
                            + " mailferry'), or run as root, or listen on a port from 1024 up (--listen 127.0.0.1:2525)"
                    : "; choose another with --listen or smtpd.listen";
            err.println("mailferry: cannot listen: " + (why.startsWith("admin.listen") ? why
                    : "smtpd.listen " + listen.getHostString() + ":" + listen.getPort() + ": " + why + fix));
            return EX_CONFIG;
        }
        if (config.relay().smarthosts().isEmpty()) {
            log.warn("no smarthost configured: messages are accepted and kept in the queue; "
                    + "set relay.smarthost or start with --smarthost 'smtp:[host]:port'");
        } else {
            log.info("relaying all mail to {}", config.relay().smarthosts());
        }
        if (!org.mailferry.config.Hostname.isQualified(config.smtpd().hostname())) {
            log.warn("host name {} is not fully qualified (no domain for it in /etc/hosts or /etc/resolv.conf): "
                    + "EHLO and sender addresses (root@{}) use it as it is, which smarthosts may refuse; set "
                    + "smtpd.hostname and sendmail.origin_domain", config.smtpd().hostname(), config.sendmail().originDomain());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(m::close, "shutdown"));
        try {
            int code = m.stopped.get();
            err.println("mailferry: stopped: queue recovery failed (see the log)");
            return code;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Removes "--name VALUE" (or --name=VALUE) from args and returns VALUE, or null when absent. */
    private static String takeOption(List<String> args, String name) {
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).startsWith(name + "=")) {
                return args.remove(i).substring(name.length() + 1);
            }
            if (args.get(i).equals(name) && i + 1 < args.size()) {
                args.remove(i);
                return args.remove(i);
            }
        }
        return null;
    }

    /**
     * mailferry check [--send-test TO [--from ADDR]]: probe the smarthost; optionally send a test
     * message from ADDR (default mailferry-check@relay.helo_name) through a private relay whose log
     * lines are silenced: the output is the check's steps only.
     */
    private static int check(Config config, Arguments args, String sendTest, String testSender, PrintStream out)
            throws IOException {
        boolean ok = org.mailferry.cli.Check.run(config, out);
        if (sendTest == null || !ok) {
            return ok ? 0 : 1;
        }
        java.nio.file.Path spool = java.nio.file.Files.createTempDirectory("mailferry-check");
        java.util.Map<String, String> overrides = new java.util.LinkedHashMap<>(args.overrides());
        overrides.put("smtpd.listen", "127.0.0.1:0");
        overrides.put("admin.listen", "off");
        overrides.put("queue.spool", spool.toString());
        Config test;
        try {
            test = ConfigLoader.load(args.config(), overrides);
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        // the private relay's own log lines (listening, from=, status=...) are not the check's output
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.classic.Level level = root.getLevel();
        root.setLevel(ch.qos.logback.classic.Level.OFF);
        Mailferry m;
        try {
            m = start(test, Clock.systemUTC());
        } catch (IOException | RuntimeException e) {
            root.setLevel(level);
            throw e;
        }
        try {
            ok = org.mailferry.cli.SendTest.run(new org.mailferry.cli.SendTest.RunningRelay() {
                public InetSocketAddress address() {
                    return m.listenAddress();
                }

                public void listen(org.mailferry.notify.EventListener l) {
                    m.events().add(l);
                }

                public void close() {
                    m.close();
                }
            }, testSender != null ? testSender : "mailferry-check@" + config.relay().heloName(), sendTest,
                    config.relay().connectTimeout().plus(config.relay().commandTimeout()).multipliedBy(4), out);
        } finally {
            m.close();
            root.setLevel(level);
            try (var files = java.nio.file.Files.walk(spool)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return ok ? 0 : 1;
    }

    private static void usage(PrintStream s) {
        s.println("""
                usage: mailferry COMMAND [options]
                  serve   run the relay (SMTP listener, queue, delivery to the smarthost)
                  queue   list the queue, like mailq (works with the daemon stopped too)
                  queue show|flush|hold|release|delete ID, queue flush, queue delete --all-failed
                  status  ID|MESSAGE-ID   a message's recipients and attempt history (JSON)
                  check   test the smarthost: connect, TLS, certificate, AUTH
                          (--send-test TO [--from ADDR]: send one, from ADDR if the smarthost needs it)
                  passwd USER  print a smtpd.users line for USER (password from the terminal or stdin)
                options:
                  --config FILE        mailferry.toml (default: none, built-in defaults)
                  --smarthost SPEC     relay.smarthost, e.g. 'smtp:[smtp.example.com]:587'
                  --listen HOST:PORT   smtpd.listen (default 127.0.0.1:2525)
                  --spool DIR          queue.spool (default ./var/spool)
                  --authinfo FILE      relay.authinfo, sendmail authinfo file with smarthost credentials
                  --ca-file FILE       relay.ca_file, PEM CA certificates for the smarthost's certificate
                  --tls MODE           relay.tls: auto (default), starttls, tls or none
                  --admin-listen ADDR  admin.listen (default 127.0.0.1:2526), or off""");
    }
}
