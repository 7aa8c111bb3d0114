package org.mailferry.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import org.mailferry.queue.JournalSpool;
import org.mailferry.smtp.SmtpInput;
import org.mailferry.submission.ClientPolicy;
import org.mailferry.submission.SessionSettings;
import org.mailferry.submission.SmtpSession;

/**
 * The sendmail modes other than sending: -bp (mailq), -q (flush) and -bs (an SMTP session on
 * stdin/stdout, the same {@link SmtpSession} as the listener's, whose messages are handed over
 * like sendmail's). Not on the hot path, so they may load logging and the spool classes.
 */
final class QueueRequest {
    /** The daemon's answer to LIST or FLUSH from a user who may not (admin.mailq_users, QueueAccess). */
    private static final String DENIED = "denied ";

    private QueueRequest() {
    }

    /** Logs of the classes used here go to stderr: stdout carries the listing or the SMTP replies. */
    private static void logToStderr() {
        System.setProperty("logback.configurationFile", "logback-stderr.xml");
    }

    /** mailq: asks the daemon; when it is down, reads the spool directly if allowed. */
    static int list(Handover handover, Path spool, PrintStream out, PrintStream err) {
        if (Files.exists(handover.socket())) {
            try {
                String listing = Handover.request(handover.socket(), "LIST", null);
                if (listing.startsWith(DENIED)) {
                    err.println("mailq: " + listing.substring(DENIED.length()).strip());
                    return Sysexits.EX_NOPERM;
                }
                if (listing.startsWith("temp ")) { // the daemon's connection limits
                    err.print("mailq: " + listing.substring(5));
                    return Sysexits.EX_TEMPFAIL;
                }
                out.print(listing);
                return 0;
            } catch (Handover.SocketFailure e) {
                // fall through to the spool
            }
        }
        logToStderr();
        try {
            // a checkout whose daemon never ran has no queue yet, but sendmail's drops in the maildrop
            boolean queue = Files.isDirectory(spool.resolve("queue"));
            QueueListing.print(queue ? new JournalSpool(spool, Clock.systemUTC(), 0) : null, spool.resolve("maildrop"),
                    out, ZoneId.systemDefault());
            return 0;
        } catch (AccessDeniedException e) {
            err.println("mailq: the daemon is not running and the queue in " + spool + " is not readable for you; "
                    + "start the daemon (systemctl start mailferry) or run mailq as root");
            return Sysexits.EX_UNAVAILABLE;
        } catch (IOException e) {
            err.println("mailq: cannot read the queue in " + spool + ": " + e.getMessage());
            return Sysexits.EX_UNAVAILABLE;
        }
    }

    /** -q: makes every queued message due now. */
    static int flush(Handover handover, PrintStream err) {
        try {
            String reply = Handover.request(handover.socket(), "FLUSH", null);
            if (reply.equals("ok")) {
                return 0;
            }
            if (reply.startsWith(DENIED)) {
                err.println("sendmail: " + reply.substring(DENIED.length()));
                return Sysexits.EX_NOPERM;
            }
            if (reply.startsWith("temp ")) { // the daemon's connection limits
                err.println("sendmail: the daemon did not flush: " + reply.substring(5));
                return Sysexits.EX_TEMPFAIL;
            }
            err.println("sendmail: the daemon did not flush: " + reply);
            return Sysexits.EX_SOFTWARE;
        } catch (Handover.SocketFailure e) {
            err.println("sendmail: cannot flush the queue: mail system is down (" + handover.socket() + ": "
                    + e.getMessage() + "); start it with 'mailferry serve'");
            return Sysexits.EX_UNAVAILABLE;
        }
    }

    /** -bs: one SMTP session on standard input and output. */
    static int smtp(Handover handover, SendmailConfig config, InputStream in, PrintStream out, PrintStream err) {
        logToStderr();
        SessionSettings settings = new SessionSettings(config.hostname(), 10L << 20, 1000, Duration.ofMinutes(5),
                Duration.ofMinutes(5), Integer.MAX_VALUE, ClientPolicy.loopback(), Clock.systemUTC());
        BufferedOutputStream o = new BufferedOutputStream(out, 8192);
        try {
            new SmtpSession(settings, new HandoverSpool(handover), env -> { }, new SmtpInput(in), o, null).run();
            o.flush();
            return 0;
        } catch (IOException e) {
            err.println("sendmail: SMTP session ended: " + e.getMessage());
            return Sysexits.EX_IOERR;
        }
    }
}
