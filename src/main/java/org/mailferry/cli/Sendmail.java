package org.mailferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.mailferry.config.ConfigException;

/**
 * The sendmail-compatible command (also mailq and newaliases, by -Dmailferry.command). Library-free
 * on the sending path on purpose: every message costs a JVM start, so this class reads stdin,
 * completes the header and hands the bytes over (see {@link Handover}); no logging framework, no
 * config library. -bs and the mailq fallback load more, as they are not the hot path. The sending
 * path's steps ({@link #options}, {@link #configError}, {@link #send}) also run in the daemon for
 * the native client ({@link SendmailInDaemon}), so both say the same things with the same codes.
 */
public final class Sendmail {
    private Sendmail() {
    }

    public static void main(String[] argv) {
        String command = System.getProperty("mailferry.command", "sendmail");
        String train = System.getProperty("mailferry.train");
        if (train != null) {
            try {
                Training.answerOnce(Path.of(train));
            } catch (IOException e) {
                System.err.println(command + ": training socket: " + e.getMessage());
            }
        }
        int code;
        try {
            code = run(command, Arrays.asList(argv), System.in, System.out, System.err);
        } catch (RuntimeException e) {
            System.err.println(command + ": internal error: " + e);
            code = Sysexits.EX_SOFTWARE;
        }
        System.out.flush();
        System.exit(code);
    }

    /** Hands a composed message over: {@link Handover} here, the spool itself (streamed) in the daemon. */
    interface Submit {
        Handover.Result submit(Composer.Composed message, boolean verbose) throws IOException, Handover.RefusedException;
    }

    static int run(String command, List<String> argv, InputStream in, PrintStream out, PrintStream err) {
        SendmailOptions o = options(command, argv, err);
        if (o == null) {
            return Sysexits.EX_USAGE;
        }
        if (o.mode() == SendmailOptions.Mode.HELP) {
            usage(out);
            return Sysexits.EX_OK;
        }
        if (o.mode() == SendmailOptions.Mode.VERSION) {
            out.println(Usage.version());
            return Sysexits.EX_OK;
        }
        SendmailConfig config;
        try {
            config = SendmailConfig.load(o.configFile());
        } catch (SendmailConfig.MissingException | ConfigException e) {
            return configError(command, e, err);
        }
        Handover handover = new Handover(config.spool());
        return switch (o.mode()) {
            case SEND -> send(o, new Composer(System.getProperty("user.name"), config.originDomain()),
                    (c, verbose) -> handover.submit(c.toDrop(), verbose), config.spool(), in, err);
            case LIST -> QueueRequest.list(handover, config.spool(), out, err);
            case FLUSH -> QueueRequest.flush(handover, err);
            case SMTP -> QueueRequest.smtp(handover, config, in, out, err);
            case NEWALIASES, HELP, VERSION -> 0; // Mailferry has no aliases: relaying only
        };
    }

    /** The parsed command line, or null when it is wrong: then the mistake and the usage are on err. */
    static SendmailOptions options(String command, List<String> argv, PrintStream err) {
        try {
            return SendmailOptions.parse(command, argv);
        } catch (SendmailOptions.UsageException e) {
            err.println(command + ": " + e.getMessage());
            usage(err);
            return null;
        }
    }

    /** Says what is wrong with the config file; returns the exit code. */
    static int configError(String command, Exception e, PrintStream err) {
        err.println(command + ": " + e.getMessage());
        return e instanceof SendmailConfig.MissingException ? Sysexits.EX_NOINPUT : Sysexits.EX_CONFIG;
    }

    /**
     * The sending path, shared with the daemon's {@link SendmailInDaemon}: reads the message,
     * composes it and submits it; prints what went wrong and returns the exit code.
     */
    static int send(SendmailOptions o, Composer composer, Submit submit, Path spool, InputStream in,
                    PrintStream err) {
        MessageText m;
        try {
            m = MessageText.read(in, o.ignoreDots());
        } catch (IOException e) {
            err.println("sendmail: cannot read the message from standard input: " + e.getMessage());
            return Sysexits.EX_IOERR;
        }
        Composer.Composed drop;
        try {
            drop = composer.compose(o, m, System.currentTimeMillis());
        } catch (Composer.RefusedException e) {
            err.println("sendmail: " + e.getMessage());
            if (e.exitCode == Sysexits.EX_USAGE) {
                usage(err);
            }
            return e.exitCode;
        }
        try {
            Handover.Result r = submit.submit(drop, o.verbose());
            if (o.verbose()) {
                err.println("sendmail: " + r.where() + " (" + drop.recipients().size() + " recipient(s))");
            }
            return Sysexits.EX_OK;
        } catch (Handover.RefusedException e) {
            err.println("sendmail: message refused: " + e.getMessage());
            return Sysexits.EX_DATAERR;
        } catch (MessageText.InputException e) {
            err.println("sendmail: cannot read the message from standard input: " + e.getMessage());
            return Sysexits.EX_IOERR;
        } catch (IOException e) {
            Path dir = spool.resolve("maildrop");
            err.println("sendmail: cannot queue the message (daemon not reachable and " + dir + " not writable: "
                    + e.getMessage() + "); try again later, or start the daemon");
            return Sysexits.EX_TEMPFAIL;
        }
    }

    static void usage(PrintStream s) {
        s.println("""
                usage: sendmail [options] [recipient ...] < message
                  -t             also send to the To, Cc and Bcc addresses of the message (Bcc is removed)
                  -i, -oi        a line with a single dot does not end the message
                  -f SENDER      envelope sender (also -r); '<>' for none
                  -F 'FULL NAME' full name for a From header that is added
                  -N DSN         never, or a list of success, delay, failure
                  -R RET         full or hdrs: what a DSN returns
                  -V ENVID       envelope id for DSNs
                  -C FILE        mailferry.toml to use (default: $MAILFERRY_CONFIG, else built-in defaults)
                  -v             tell where the message went, on stderr
                  -bm            send (the default)    -bp  list the queue (as mailq)
                  -bs            SMTP on stdin/stdout  -q   flush the queue (daemon must run)
                  -bi            newaliases: nothing to do
                  -o*, -od*, -oe*, -h, -L, -B, -X, -U, -G: accepted and ignored
                  --help         this text (also as mailq and newaliases)
                  --version      print the version: mailferry VERSION""");
    }
}
