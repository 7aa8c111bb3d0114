package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.mailferry.config.Effective;
import org.mailferry.queue.SpoolPath;

/**
 * {@code mailferry COMMAND [options]}: picks the command, loads the config, runs it, and turns each
 * failure into one line naming what to fix and an exit code from sysexits.h (never a stack trace).
 * What the commands need built comes from the {@link Wiring}.
 */
public final class Commands {
    /** The commands of {@code mailferry COMMAND}, each with its --help. */
    private static final Set<String> KNOWN = Set.of("serve", "queue", "mailq", "status", "check", "config", "passwd",
            "reload");

    private Commands() {
    }

    /** Runs one command line with the process's environment; returns the exit status. */
    public static int run(List<String> argv, PrintStream out, PrintStream err, Wiring wiring) {
        return run(argv, System.getenv(), out, err, wiring);
    }

    /** Runs one command line; {@code env}'s MAILFERRY_* variables set keys. Returns the exit status. */
    public static int run(List<String> argv, Map<String, String> env, PrintStream out, PrintStream err,
                          Wiring wiring) {
        if (argv.isEmpty() || argv.get(0).equals("help") || argv.get(0).equals("--help") || argv.get(0).equals("-h")) {
            usage(argv.isEmpty() ? err : out);
            return argv.isEmpty() ? Sysexits.EX_USAGE : 0;
        }
        String command = argv.get(0);
        List<String> rest = new ArrayList<>(argv.subList(1, argv.size()));
        if (command.equals("--version") || command.equals("version") || rest.contains("--version")) {
            out.println(Usage.version());
            return 0;
        }
        if (command.equals("import")) { // its own --help, as it has its own options
            return ImportCommand.run(rest, out, err);
        }
        if (Usage.asksHelp(rest) && KNOWN.contains(command)) {
            Usage.print(command, out);
            return 0;
        }
        if (command.equals("passwd")) {
            return Passwd.run(rest, System.console(), System.in, out, err);
        }
        CheckCommand check = null;
        if (command.equals("check")) {
            check = CheckCommand.parse(rest, err);
            if (check == null) {
                Usage.print(command, err);
                return Sysexits.EX_USAGE;
            }
        }
        boolean onlySet = command.equals("config") && rest.remove("-n");
        Arguments args;
        Effective effective;
        try {
            args = Arguments.parse(rest);
            effective = ConfigLoader.read(args.config(), args.overrides(), env);
        } catch (Arguments.UsageException e) {
            err.println("mailferry: " + (KNOWN.contains(command) ? command + ": " : "") + e.getMessage());
            Usage.print(command, err);
            return Sysexits.EX_USAGE;
        } catch (ConfigException e) {
            err.println("mailferry: " + e.getMessage());
            return Sysexits.EX_CONFIG;
        }
        Config config = effective.config();
        try {
            switch (command) {
                case "serve" -> {
                    Arguments from = args;
                    return Serve.run(config, () -> ConfigLoader.read(from.config(), from.overrides(), env).config(),
                            wiring, err);
                }
                case "check" -> {
                    return check.run(config, args, wiring, out);
                }
                case "queue", "mailq" -> {
                    var spool = wiring.spool(config);
                    return new QueueCommand(config, spool, () -> wiring.offlineEvents(config, spool),
                            wiring.access(config), out, err).run(args.rest());
                }
                case "config" -> {
                    return ConfigCommand.run(effective, onlySet, args.rest(), out, err);
                }
                case "reload" -> {
                    return ReloadCommand.run(config, out, err);
                }
                case "status" -> {
                    return QueueCommand.status(wiring.spool(config), args.rest(), out, err);
                }
                default -> {
                    err.println("mailferry: unknown command '" + command + "'; mailferry --help lists them");
                    usage(err);
                    return Sysexits.EX_USAGE;
                }
            }
        } catch (AccessDeniedException e) {
            if (spoolTrouble(command, config, e, err)) {
                return Sysexits.EX_IOERR;
            }
            err.println("mailferry: " + command + ": " + e.getFile() + ": permission denied" + (command.equals("serve")
                    || command.equals("check") ? "" : "; the spool is for " + wiring.access(config).operators()
                    + "; mailq lists the queue through the daemon"));
            return Sysexits.EX_NOPERM;
        } catch (IOException e) {
            if (spoolTrouble(command, config, e, err)) {
                return Sysexits.EX_IOERR;
            }
            err.println("mailferry: " + e.getMessage());
            return Sysexits.EX_IOERR;
        } catch (IllegalArgumentException e) {
            err.println("mailferry: configuration: " + e.getMessage());
            return Sysexits.EX_CONFIG;
        }
    }

    /** serve could not use its spool: says why and how to fix it; false for any other failure. */
    private static boolean spoolTrouble(String command, Config config, IOException e, PrintStream err) {
        String trouble = command.equals("serve") ? SpoolPath.describe(config.queue().spool(), e) : null;
        if (trouble != null) {
            err.println("mailferry: queue.spool (" + config.queue().spool() + "): " + trouble);
        }
        return trouble != null;
    }

    static void usage(PrintStream s) {
        s.println(Usage.ALL);
    }
}
