package org.mailferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * What {@code --help} prints for each command, and {@code --version}'s "mailferry VERSION" (the
 * jar manifest's Implementation-Version, else the Maven project version filtered into version.txt
 * when run from classes).
 */
final class Usage {
    static final String FLAGS = """
            options (every command that reads the config):
              --config FILE        mailferry.toml (default: none, built-in defaults)
              --smarthost SPEC     relay.smarthost, e.g. 'smtp:[smtp.example.com]:587'
              --listen HOST:PORT   smtpd.listen (default 127.0.0.1:2525)
              --spool DIR          queue.spool (default ./var/spool)
              --authinfo FILE      relay.authinfo, sendmail authinfo file with smarthost credentials
              --ca-file FILE       relay.ca_file, PEM CA certificates for the smarthost's certificate
              --tls MODE           relay.tls: auto (default), starttls, tls or none
              --admin-listen ADDR  admin.listen (default 127.0.0.1:2526), or off
              -h, --help           this text;  --version  print "mailferry VERSION"
            MAILFERRY_<SECTION>_<KEY> variables set any key (docs/configuration.md);
            precedence: options > environment > file > defaults.""";

    static final String ALL = """
            usage: mailferry COMMAND [options]     (mailferry COMMAND --help: one command)
              serve   run the relay (SMTP listener, queue, delivery to the smarthost)
              reload  the running daemon reads its configuration and credential files again
                      (as SIGHUP; systemctl reload mailferry); for the queue's operators
              queue   list the queue, like mailq (works with the daemon stopped too)
              queue show|flush|hold|release|delete ID, queue flush, queue delete --all-failed
              status  ID|MESSAGE-ID   a message's recipients and attempt history (JSON)
              check   test the smarthost: connect, TLS, certificate, AUTH
                      (--send-test TO [--from ADDR]: send one, from ADDR if the smarthost needs it)
              config check   validate the configuration without starting (exit 0, or 78 and the errors)
              config show [-n]  the effective configuration as TOML, secrets masked (-n: only what is set)
              passwd USER  print a smtpd.users line for USER (password from the terminal or stdin)
              import FILE [-o OUT [--force]]  sendmail.mc or Postfix main.cf to mailferry.toml, with a
                      report of every directive on stderr (docs/migrating.md)
            """ + FLAGS;

    private static final Map<String, String> ONE = Map.of(
            "serve", """
                    usage: mailferry serve [options]
                    Runs the relay: SMTP listener, queue, delivery to the smarthost, admin API, submit
                    socket for the sendmail command. Stops on SIGTERM (systemctl stop, Ctrl-C).
                    """,
            "queue", """
                    usage: mailferry queue [options]                 list the queue (as mailq)
                           mailferry queue show|hold|release|delete ID
                           mailferry queue flush [ID]                retry now
                           mailferry queue delete --all-failed
                    """,
            "reload", """
                    usage: mailferry reload [options]
                    Asks the running daemon (through SPOOL/public/submit.sock) to read its configuration
                    and every credential file again, as SIGHUP does. Open sessions and attempts finish
                    on the old settings, queued messages are untouched; a configuration that does not
                    load is refused and the old one stays (exit 78). For root, the service user and
                    admin.group (exit 77 for others); exit 69 when the daemon is not running.
                    """,
            "status", """
                    usage: mailferry status [options] ID|MESSAGE-ID
                    A message's recipients and attempt history, as JSON.
                    """,
            "check", """
                    usage: mailferry check [options] [--send-test TO [--from ADDR]]
                    Tests the smarthost: connect, TLS, certificate, AUTH; --send-test also sends one
                    message to TO (from ADDR, default mailferry-check@relay.helo_name). Exit 0 or 1.
                    """,
            "config", """
                    usage: mailferry config check [options]    validate without starting: exit 0 and
                                                                "config OK: FILE", or 78 and the error
                           mailferry config show [-n] [options] the effective configuration as TOML,
                                                                defaults included; -n: only the keys set
                                                                in the file, environment or options;
                                                                secrets masked
                    """,
            "passwd", """
                    usage: mailferry passwd USER
                    Prints a smtpd.users line for USER; the password is read from the terminal (twice,
                    no echo) or one line of standard input.""");

    private Usage() {
    }

    /** True when the command line asks for help ({@code -h} or {@code --help}). */
    static boolean asksHelp(List<String> args) {
        return args.contains("--help") || args.contains("-h");
    }

    /** Prints {@code command}'s usage (the overview for an unknown one). */
    static void print(String command, PrintStream s) {
        String one = ONE.get(command);
        if (one == null) {
            s.println(ALL);
        } else if (command.equals("passwd")) {
            s.println(one);
        } else {
            s.println(one + FLAGS);
        }
    }

    /** "mailferry VERSION". */
    static String version() {
        String v = Usage.class.getPackage().getImplementationVersion();
        if (v == null) {
            try (InputStream in = Usage.class.getResourceAsStream("version.txt")) {
                v = in == null ? "(unknown version)" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                v = "(unknown version: " + e.getMessage() + ")";
            }
        }
        return "mailferry " + v;
    }
}
