package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.mailferry.queue.SpoolPath;

/**
 * {@code mailferry COMMAND [options]}: picks the command, loads the config, runs it, and turns each
 * failure into one line naming what to fix and an exit code from sysexits.h (never a stack trace).
 * What the commands need built comes from the {@link Wiring}.
 */
public final class Commands {
    private static final String USAGE = """
            usage: mailferry COMMAND [options]
              serve   run the relay (SMTP listener, queue, delivery to the smarthost)
              queue   list the queue, like mailq (works with the daemon stopped too)
              queue show|flush|hold|release|delete ID, queue flush, queue delete --all-failed
              status  ID|MESSAGE-ID   a message's recipients and attempt history (JSON)
              check   test the smarthost: connect, TLS, certificate, AUTH
                      (--send-test TO [--from ADDR]: send one, from ADDR if the smarthost needs it)
              passwd USER  print a smtpd.users line for USER (password from the terminal or stdin)
              import FILE [-o OUT [--force]]  sendmail.mc or Postfix main.cf to mailferry.toml, with a
                      report of every directive on stderr (docs/migrating.md)
            options:
              --config FILE        mailferry.toml (default: none, built-in defaults)
              --smarthost SPEC     relay.smarthost, e.g. 'smtp:[smtp.example.com]:587'
              --listen HOST:PORT   smtpd.listen (default 127.0.0.1:2525)
              --spool DIR          queue.spool (default ./var/spool)
              --authinfo FILE      relay.authinfo, sendmail authinfo file with smarthost credentials
              --ca-file FILE       relay.ca_file, PEM CA certificates for the smarthost's certificate
              --tls MODE           relay.tls: auto (default), starttls, tls or none
              --admin-listen ADDR  admin.listen (default 127.0.0.1:2526), or off""";

    private Commands() {
    }

    /** Runs one command line; returns the exit status. */
    public static int run(List<String> argv, PrintStream out, PrintStream err, Wiring wiring) {
        if (argv.isEmpty() || argv.get(0).equals("help") || argv.get(0).equals("--help")) {
            usage(argv.isEmpty() ? err : out);
            return argv.isEmpty() ? Sysexits.EX_USAGE : 0;
        }
        String command = argv.get(0);
        if (command.equals("passwd")) {
            return Passwd.run(argv.subList(1, argv.size()), System.console(), System.in, out, err);
        }
        if (command.equals("import")) {
            return ImportCommand.run(argv.subList(1, argv.size()), out, err);
        }
        List<String> rest = new ArrayList<>(argv.subList(1, argv.size()));
        CheckCommand check = null;
        if (command.equals("check")) {
            check = CheckCommand.parse(rest, err);
            if (check == null) {
                usage(err);
                return Sysexits.EX_USAGE;
            }
        }
        Arguments args;
        Config config;
        try {
            args = Arguments.parse(rest);
            config = ConfigLoader.load(args.config(), args.overrides());
        } catch (Arguments.UsageException e) {
            err.println("mailferry: " + e.getMessage());
            usage(err);
            return Sysexits.EX_USAGE;
        } catch (ConfigException e) {
            err.println("mailferry: " + e.getMessage());
            return Sysexits.EX_CONFIG;
        }
        try {
            switch (command) {
                case "serve" -> {
                    return Serve.run(config, wiring, err);
                }
                case "check" -> {
                    return check.run(config, args, wiring, out);
                }
                case "queue", "mailq" -> {
                    var spool = wiring.spool(config);
                    return new QueueCommand(config, spool, () -> wiring.offlineEvents(config, spool),
                            wiring.access(config), out, err).run(args.rest());
                }
                case "status" -> {
                    return QueueCommand.status(wiring.spool(config), args.rest(), out, err);
                }
                default -> {
                    err.println("mailferry: unknown command '" + command + "'");
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
        s.println(USAGE);
    }
}
