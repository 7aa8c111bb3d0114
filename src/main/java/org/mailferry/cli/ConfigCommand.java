package org.mailferry.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import org.mailferry.config.ConfigText;
import org.mailferry.config.Effective;
import org.mailferry.submission.SessionSettings;

/**
 * {@code mailferry config check}: the configuration is valid (the loader has read every key and
 * credential file by now; this also reads the listener's certificate, key and users file, as serve
 * would) without starting anything: no listener, no spool. {@code mailferry config show [-n]}: the
 * effective configuration ({@link ConfigText}).
 */
final class ConfigCommand {
    private ConfigCommand() {
    }

    static int run(Effective effective, boolean onlySet, List<String> rest, PrintStream out, PrintStream err) {
        String what = rest.isEmpty() ? "" : rest.get(0);
        if (rest.size() != 1 || !(what.equals("check") || what.equals("show")) || onlySet && what.equals("check")) {
            err.println("mailferry: config: " + (rest.isEmpty() ? "say check or show"
                    : onlySet && what.equals("check") ? "-n goes with show" : "unknown argument '"
                    + String.join(" ", rest) + "'; say check or show"));
            Usage.print("config", err);
            return Sysexits.EX_USAGE;
        }
        if (what.equals("show")) {
            out.print(ConfigText.render(effective, onlySet));
            return 0;
        }
        // what serve loads when it starts the listener; an unreadable or bad file is an IllegalArgumentException
        SessionSettings.from(effective.config().smtpd(), Clock.systemUTC());
        out.println("config OK: " + (effective.file() == null ? "(no file: built-in defaults"
                + (effective.sources().isEmpty() ? "" : ", environment and options") + ")" : effective.file()));
        return 0;
    }
}
