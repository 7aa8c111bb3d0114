package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigSource;
import org.mailferry.config.Hostname;
import org.mailferry.notify.LogOutput;
import org.mailferry.queue.SpoolPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code mailferry serve}: starts the relay and runs until it is stopped. */
final class Serve {
    private Serve() {
    }

    static int run(Config config, ConfigSource source, Wiring wiring, PrintStream err) throws IOException {
        String notADirectory = SpoolPath.notADirectory(config.queue().spool());
        if (notADirectory != null) {
            err.println("mailferry: queue.spool (" + config.queue().spool() + "): " + notADirectory);
            return Sysexits.EX_IOERR;
        }
        try {
            LogOutput.apply(config.log().target(), config.log().format(), config.log().socket());
        } catch (IOException e) {
            err.println("mailferry: " + e.getMessage());
            return Sysexits.EX_CONFIG;
        }
        Logger log = LoggerFactory.getLogger("mailferry");
        RunningRelay relay;
        try {
            relay = wiring.start(config);
        } catch (BindException e) {
            err.println("mailferry: cannot listen: " + cannotListen(config, String.valueOf(e.getMessage())));
            return Sysexits.EX_CONFIG;
        }
        if (config.relay().smarthosts().isEmpty()) {
            log.warn("no smarthost configured: messages are accepted and kept in the queue; "
                    + "set relay.smarthost or start with --smarthost 'smtp:[host]:port'");
        } else {
            log.info("relaying all mail to {}", config.relay().smarthosts());
        }
        if (!Hostname.isQualified(config.smtpd().hostname())) {
            log.warn("host name {} is not fully qualified (no domain for it in /etc/hosts or /etc/resolv.conf): "
                    + "EHLO and sender addresses (root@{}) use it as it is, which smarthosts may refuse; set "
                    + "smtpd.hostname and sendmail.origin_domain", config.smtpd().hostname(),
                    config.sendmail().originDomain());
        }
        relay.reloadFrom(source);
        Hangup.onSignal(relay::reload);
        Runtime.getRuntime().addShutdownHook(new Thread(relay::close, "shutdown"));
        try {
            int code = relay.stopped().get();
            err.println("mailferry: stopped: queue recovery failed (see the log)");
            return code;
        } catch (InterruptedException | ExecutionException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** Which listener could not bind, and the fix. */
    private static String cannotListen(Config config, String why) {
        if (why.startsWith("admin.listen")) {
            return why;
        }
        InetSocketAddress listen = config.smtpd().listen();
        String fix = listen.getPort() < 1024 && why.contains("Permission denied")
                ? ": a port below 1024 needs the capability CAP_NET_BIND_SERVICE, which user "
                        + System.getProperty("user.name") + " does not have; the installed service gets it from"
                        + " its unit (AmbientCapabilities=CAP_NET_BIND_SERVICE: start it with 'systemctl start"
                        + " mailferry'), or run as root, or listen on a port from 1024 up (--listen 127.0.0.1:2525)"
                : "; choose another with --listen or smtpd.listen";
        return "smtpd.listen " + listen.getHostString() + ":" + listen.getPort() + ": " + why + fix;
    }
}
