package org.mailferry;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.mailferry.cli.Arguments;
import org.mailferry.cli.QueueListing;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.mailferry.delivery.DsnSender;
import org.mailferry.delivery.QueueRunner;
import org.mailferry.delivery.RetrySchedule;
import org.mailferry.notify.DsnComposer;
import org.mailferry.notify.Events;
import org.mailferry.notify.MailLog;
import org.mailferry.queue.FileSpool;
import org.mailferry.submission.SessionSettings;
import org.mailferry.submission.SmtpListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The relay, wired together; and the command-line entry point. Wiring only. */
public final class Mailferry implements AutoCloseable {
    static final int EX_USAGE = 64;
    static final int EX_CONFIG = 78;
    static final int EX_IOERR = 74;

    private final Events events = new Events();
    private final FileSpool spool;
    private final QueueRunner runner;
    private final SmtpListener listener;
    private InetSocketAddress bound;

    private Mailferry(Config config, Clock clock) throws IOException {
        events.add(new MailLog());
        spool = new FileSpool(config.queue().spool(), clock);
        runner = new QueueRunner(spool, config.relay(), config.queue(),
                new RetrySchedule(config.queue().retryMin(), config.queue().retryMax(), RandomGenerator.getDefault()),
                new DsnSender(spool, new DsnComposer(config.smtpd().hostname()), config.queue().delayWarning(),
                        config.queue().lifetime(), config.queue().bounceSizeLimitBytes()),
                events, clock);
        listener = new SmtpListener(SessionSettings.from(config.smtpd(), clock), config.smtpd().maxConnections(),
                spool, this::accepted);
    }

    /** A message is durably queued: tell everyone, then schedule its first attempt. */
    private void accepted(org.mailferry.message.Envelope env) {
        events.on(new org.mailferry.notify.DeliveryEvent.Received(env.id(), env.arrival(), env.sender(),
                env.sizeBytes(), env.recipients().size(), env.client()));
        runner.schedule(env);
    }

    /** Starts the relay: recovers the spool, starts delivery, then listens. */
    public static Mailferry start(Config config, Clock clock) throws IOException {
        Mailferry m = new Mailferry(config, clock);
        try {
            m.spool.recover();
            m.runner.start();
            m.bound = m.listener.start(config.smtpd().listen());
            Thread.ofVirtual().name("recover").start(() -> {
                try {
                    int n = m.runner.recover();
                    LoggerFactory.getLogger("mailferry.qmgr").info("queue recovered: {} message(s)", n);
                } catch (IOException e) {
                    LoggerFactory.getLogger("mailferry.qmgr").error("queue recovery failed: {}", e.toString());
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

    public Events events() {
        return events;
    }

    public FileSpool spool() {
        return spool;
    }

    public QueueRunner runner() {
        return runner;
    }

    @Override
    public void close() {
        listener.close();
        runner.close();
    }

    public static void main(String[] argv) {
        System.exit(run(Arrays.asList(argv), System.out, System.err));
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) {
        if (argv.isEmpty() || argv.get(0).equals("help") || argv.get(0).equals("--help")) {
            usage(argv.isEmpty() ? err : out);
            return argv.isEmpty() ? EX_USAGE : 0;
        }
        String command = argv.get(0);
        Arguments args;
        Config config;
        try {
            args = Arguments.parse(argv.subList(1, argv.size()));
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
                case "queue", "mailq" -> {
                    QueueListing.print(new FileSpool(config.queue().spool(), Clock.systemUTC()), out,
                            ZoneId.systemDefault());
                    return 0;
                }
                default -> {
                    err.println("mailferry: unknown command '" + command + "'");
                    usage(err);
                    return EX_USAGE;
                }
            }
        } catch (IOException e) {
            err.println("mailferry: " + e.getMessage());
            return EX_IOERR;
        } catch (IllegalArgumentException e) {
            err.println("mailferry: configuration: " + e.getMessage());
            return EX_CONFIG;
        }
    }

    private static int serve(Config config, PrintStream err) throws IOException {
        Logger log = LoggerFactory.getLogger("mailferry");
        Mailferry m;
        try {
            m = start(config, Clock.systemUTC());
        } catch (java.net.BindException e) {
            err.println("mailferry: cannot listen on " + config.smtpd().listen().getHostString() + ":"
                    + config.smtpd().listen().getPort() + ": " + e.getMessage()
                    + "; choose another with --listen or smtpd.listen");
            return EX_CONFIG;
        }
        if (config.relay().smarthosts().isEmpty()) {
            log.warn("no smarthost configured: messages are accepted and kept in the queue; "
                    + "set relay.smarthost or start with --smarthost 'smtp:[host]:port'");
        } else {
            log.info("relaying all mail to {}", config.relay().smarthosts());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(m::close, "shutdown"));
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void usage(PrintStream s) {
        s.println("""
                usage: mailferry COMMAND [options]
                  serve   run the relay (SMTP listener, queue, delivery to the smarthost)
                  queue   list the queue, like mailq (works with the daemon stopped too)
                options:
                  --config FILE        mailferry.toml (default: none, built-in defaults)
                  --smarthost SPEC     relay.smarthost, e.g. 'smtp:[smtp.example.com]:587'
                  --listen HOST:PORT   smtpd.listen (default 127.0.0.1:2525)
                  --spool DIR          queue.spool (default ./var/spool)""");
    }
}
