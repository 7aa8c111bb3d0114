package org.mailferry.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import org.mailferry.config.Config;
import org.mailferry.submission.SubmitSocket;

/**
 * {@code mailferry reload}: asks the running daemon, through its submit socket (RELOAD, for the
 * queue's operators: the daemon checks who asks from the kernel, SO_PEERCRED), to read its own
 * configuration and credential files again. The daemon reads them as it was started (its file,
 * environment and options), not as this command was: --config here only says where the spool is.
 */
final class ReloadCommand {
    private ReloadCommand() {
    }

    static int run(Config config, PrintStream out, PrintStream err) {
        Path socket = SubmitSocket.pathIn(config.queue().spool());
        String reply;
        try {
            reply = Handover.request(socket, "RELOAD", null);
        } catch (Handover.SocketFailure e) {
            err.println("mailferry: reload: the daemon is not running on the spool " + config.queue().spool() + " ("
                    + socket + ": " + e.getMessage() + "); start it with 'mailferry serve' (systemctl start mailferry)"
                    + " or give the spool it uses (--spool, --config)");
            return Sysexits.EX_UNAVAILABLE;
        }
        if (reply.startsWith("ok ")) {
            out.println("mailferry: " + reply.substring(3));
            return 0;
        }
        if (reply.startsWith("denied ")) {
            err.println("mailferry: reload: " + reply.substring(7));
            return Sysexits.EX_NOPERM;
        }
        if (reply.startsWith("temp ")) { // the daemon's connection limits
            err.println("mailferry: reload: the daemon is busy, try again: " + reply.substring(5));
            return Sysexits.EX_TEMPFAIL;
        }
        err.println("mailferry: " + (reply.startsWith("fail ") ? reply.substring(5) : "reload: " + reply));
        return Sysexits.EX_CONFIG;
    }
}
