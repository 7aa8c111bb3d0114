package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.slf4j.LoggerFactory;

/**
 * {@code mailferry check [--send-test TO [--from ADDR]]}: probes the smarthost ({@link Check});
 * optionally sends a test message from ADDR (default mailferry-check@relay.helo_name) through a
 * private relay on a temporary spool whose log lines are silenced: the output is the check's steps
 * only ({@link SendTest}).
 */
final class CheckCommand {
    private final String sendTest;
    private final String sender;

    private CheckCommand(String sendTest, String sender) {
        this.sendTest = sendTest;
        this.sender = sender;
    }

    /** Takes check's own options out of {@code args}; null (with the reason on err) when they are wrong. */
    static CheckCommand parse(List<String> args, PrintStream err) {
        String sendTest = takeOption(args, "--send-test");
        String sender = takeOption(args, "--from");
        if (sender != null && (sendTest == null || !SendTest.plausibleSender(sender))) {
            err.println("mailferry: check: " + (sendTest == null ? "--from goes with --send-test TO"
                    : "--from '" + sender + "' is not an address; write --from you@example.com (a sender the"
                            + " smarthost permits)"));
            return null;
        }
        return new CheckCommand(sendTest, sender);
    }

    int run(Config config, Arguments args, Wiring wiring, PrintStream out) throws IOException {
        boolean ok = Check.run(config, out);
        if (sendTest == null || !ok) {
            return ok ? 0 : 1;
        }
        Path spool = Files.createTempDirectory("mailferry-check");
        Map<String, String> overrides = new LinkedHashMap<>(args.overrides());
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
        RunningRelay relay;
        try {
            relay = wiring.start(test);
        } catch (IOException | RuntimeException e) {
            root.setLevel(level);
            throw e;
        }
        try {
            ok = SendTest.run(relay, sender != null ? sender : "mailferry-check@" + config.relay().heloName(),
                    sendTest, config.relay().connectTimeout().plus(config.relay().commandTimeout()).multipliedBy(4),
                    out);
        } finally {
            relay.close();
            root.setLevel(level);
            try (Stream<Path> files = Files.walk(spool)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return ok ? 0 : 1;
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
}
