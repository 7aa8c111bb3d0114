package org.mailferry.cli;

import java.util.ArrayList;
import java.util.List;
import org.mailferry.smtp.DsnParameters;

/**
 * The sendmail command line, parsed the way Postfix's sendmail does (getopt with the option string
 * {@code A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx}): letters may be combined ({@code -ti}),
 * a value may be attached or separate ({@code -fme}, {@code -f me}), options end at the first
 * argument that is not one, or at {@code --}. Options that only matter to a local sendmail daemon
 * (-o*, -od*, -oe*, -h, -L, -B, -X, -U ...) are accepted and ignored, as in Postfix. {@code -h} stays
 * the hop count and {@code -V} the envelope id; {@code --help} and {@code --version} (which
 * Postfix's getopt refuses with a usage error) print the usage and the version.
 */
public record SendmailOptions(Mode mode, boolean extractRecipients, boolean ignoreDots, String sender,
                              String fullName, String dsnNotify, String dsnRet, String envId, boolean verbose,
                              String configFile, List<String> recipients) {

    public enum Mode { SEND, LIST, SMTP, FLUSH, NEWALIASES, HELP, VERSION }

    /** A command-line mistake: the message says which option and what to write. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private static final String WITH_VALUE = "ABCFLNORVXbefhopr";
    private static final String FLAGS = "GIUcimntvxq";

    /** {@code command} is the name it was run as: "sendmail", "mailq" or "newaliases". */
    public static SendmailOptions parse(String command, List<String> args) throws UsageException {
        Mode mode = switch (command) {
            case "mailq" -> Mode.LIST;
            case "newaliases" -> Mode.NEWALIASES;
            default -> Mode.SEND;
        };
        boolean extract = false;
        boolean ignoreDots = false;
        boolean verbose = false;
        String sender = null;
        String fullName = null;
        String notify = "";
        String ret = "";
        String envId = "";
        String config = null;
        int i = 0;
        for (; i < args.size(); i++) {
            String a = args.get(i);
            refuseLineBreaks(a);
            if (a.equals("--")) {
                i++;
                break;
            }
            if (a.equals("--help") || a.equals("--version")) { // getopt refuses both: no sendmail caller means else
                mode = a.equals("--help") ? Mode.HELP : Mode.VERSION;
                continue;
            }
            if (a.startsWith("--")) {
                throw new UsageException("unknown option " + a);
            }
            if (!a.startsWith("-") || a.length() == 1) {
                break;
            }
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                if (c == 'q') { // -q flushes; -qR/-qS name a site (flushes too); -q30m is a daemon interval: ignored
                    String rest = a.substring(j + 1);
                    if (rest.isEmpty() || rest.startsWith("R") || rest.startsWith("S")) {
                        mode = Mode.FLUSH;
                    }
                    break;
                }
                if (FLAGS.indexOf(c) >= 0) {
                    switch (c) {
                        case 't' -> extract = true;
                        case 'i' -> ignoreDots = true;
                        case 'v' -> verbose = true;
                        case 'I' -> mode = Mode.NEWALIASES;
                        default -> {
                            // -G, -U, -c, -m, -n, -x: no meaning for a relay
                        }
                    }
                    continue;
                }
                if (WITH_VALUE.indexOf(c) < 0) {
                    throw new UsageException("unknown option -" + c);
                }
                String value = a.substring(j + 1);
                if (value.isEmpty()) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException("option -" + c + " needs a value");
                    }
                    value = args.get(++i);
                    refuseLineBreaks(value);
                }
                switch (c) {
                    case 'f', 'r' -> sender = value;
                    case 'F' -> fullName = value;
                    case 'C' -> config = value;
                    case 'N' -> notify = notify(value);
                    case 'R' -> ret = ret(value);
                    case 'V' -> envId = envId(value);
                    case 'b' -> mode = mode(value);
                    case 'o' -> {
                        if (value.equals("i")) {
                            ignoreDots = true; // -oi; other -o settings (-odb, -oem, -om, -o7 ...) are ignored
                        }
                    }
                    default -> {
                        // -A, -B, -L, -O, -X, -e, -h, -p: accepted and ignored, as Postfix does
                    }
                }
                break; // the value used the rest of this argument
            }
        }
        List<String> rcpts = new ArrayList<>();
        for (; i < args.size(); i++) {
            refuseLineBreaks(args.get(i));
            rcpts.add(args.get(i));
        }
        return new SendmailOptions(mode, extract, ignoreDots, sender, fullName, notify, ret, envId, verbose, config,
                List.copyOf(rcpts));
    }

    private static void refuseLineBreaks(String arg) throws UsageException {
        for (int k = 0; k < arg.length(); k++) {
            char c = arg.charAt(k);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new UsageException("argument '" + arg.substring(0, k)
                        + "...' contains a line break or NUL; refused (it could add header lines)");
            }
        }
    }

    private static Mode mode(String v) throws UsageException {
        return switch (v) {
            case "m" -> Mode.SEND;
            case "p" -> Mode.LIST;
            case "s" -> Mode.SMTP;
            case "i" -> Mode.NEWALIASES;
            case "d", "D" -> throw new UsageException("-b" + v + ": run the daemon with 'mailferry serve' instead");
            default -> throw new UsageException("-b" + v + " is not supported; use -bm (send), -bp (list the queue) "
                    + "or -bs (SMTP on standard input)");
        };
    }

    /** -N never | success,delay,failure (any of them) → the RCPT NOTIFY value, as the listener stores it. */
    static String notify(String v) throws UsageException {
        try {
            return DsnParameters.notify(v.replace(" ", ""));
        } catch (DsnParameters.SyntaxException e) {
            throw new UsageException("-N " + v + ": " + e.getMessage() + " (e.g. -N failure,delay or -N never)");
        }
    }

    static String ret(String v) throws UsageException {
        try {
            return DsnParameters.ret(v);
        } catch (DsnParameters.SyntaxException e) {
            throw new UsageException("-R " + v + ": write 'full' or 'hdrs'");
        }
    }

    /** RFC 3461 ENVID: printable ASCII, at most 100 characters. */
    static String envId(String v) throws UsageException {
        boolean printable = true;
        for (int i = 0; i < v.length(); i++) {
            printable &= v.charAt(i) > ' ' && v.charAt(i) < 0x7f;
        }
        if (v.isEmpty() || v.length() > 100 || !printable) {
            throw new UsageException("-V " + v + ": the envelope id must be 1-100 printable ASCII characters");
        }
        return v;
    }
}
