package org.mailferry.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mailferry.config.Key;

/**
 * The flags shared by {@code serve} and {@code queue}: {@code --config FILE} and quick-start
 * overrides of single keys ({@code --smarthost}, {@code --listen}, {@code --spool}, {@code --authinfo},
 * {@code --ca-file}, {@code --tls MODE}, {@code --admin-listen ADDR|off}).
 */
public record Arguments(Path config, Map<String, String> overrides, List<String> rest) {

    /** A mistake on the command line; the message says what to write. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }

    private static final Map<String, Key> FLAGS = Map.of(
            "--smarthost", Key.RELAY_SMARTHOST,
            "--listen", Key.SMTPD_LISTEN,
            "--spool", Key.QUEUE_SPOOL,
            "--authinfo", Key.RELAY_AUTHINFO,
            "--ca-file", Key.RELAY_CA_FILE,
            "--tls", Key.RELAY_TLS,
            "--admin-listen", Key.ADMIN_LISTEN);

    /** Flags of subcommands, left in {@code rest} for them. */
    private static final java.util.Set<String> PASSED_ON = java.util.Set.of("--all-failed");

    public static Arguments parse(List<String> args) throws UsageException {
        Path config = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        List<String> rest = new java.util.ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = null;
            String flag = a;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                flag = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (flag.equals("--config") || FLAGS.containsKey(flag)) {
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(flag + " needs a value");
                    }
                    value = args.get(++i);
                }
                if (flag.equals("--config")) {
                    config = Path.of(value);
                } else {
                    overrides.put(FLAGS.get(flag).name(), value);
                }
            } else if (a.startsWith("--") && !PASSED_ON.contains(a)) {
                throw new UsageException("unknown option " + a);
            } else {
                rest.add(a);
            }
        }
        return new Arguments(config, overrides, List.copyOf(rest));
    }
}
