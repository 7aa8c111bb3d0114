package org.mailferry.imports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.nio.file.Files;
import java.nio.file.Path;
import org.mailferry.imports.McReader.Call;

/** sendmail.mc's {@code define(`NAME', `value')}: the options with a Mailferry key, and why the others have none. */
final class Defines {
    private Defines() {
    }

    static void define(SendmailMc mc, Translation t, Call c) throws ImportException {
        Directive d = c.directive();
        String name = c.arg(0).strip();
        String value = c.arg(1).strip();
        switch (name) {
            case "SMART_HOST" -> mc.smartHost(d, value, "sendmail's smart host");
            case "confAUTH_MECHANISMS" -> mechanisms(t, d, value);
            case "confTO_QUEUERETURN", "confTO_QUEUERETURN_NORMAL" -> time(t, d, value, 'd', "queue.lifetime", false);
            case "confTO_QUEUEWARN", "confTO_QUEUEWARN_NORMAL" -> time(t, d, value, 'h', "queue.delay_warning", true);
            case "confMAX_MESSAGE_SIZE" -> number(t, d, value, "smtpd.max_message_size", 1L << 31);
            case "confMAX_RCPTS_PER_MESSAGE" -> number(t, d, value, "smtpd.max_recipients", 100_000);
            case "confDOMAIN_NAME" -> t.set(d, "smtpd.hostname", value, "also the EHLO name toward the smarthost");
            case "confCACERT" -> caFile(t, d, value);
            case "confCACERT_PATH" -> t.notTranslated(d, "a directory of hashed CA certificates; Mailferry reads one "
                    + "PEM file (relay.ca_file) or, by default, the JDK's trust store",
                    "nothing for a smarthost with a public CA; else put its CA in one PEM file for relay.ca_file");
            default -> {
                if (name.endsWith("_MAILER_ARGS")) {
                    mc.mailerArgs(d, name, value);
                } else if (name.startsWith("confTO_QUEUE")) {
                    t.notTranslated(d, "Mailferry has one " + (name.contains("WARN") ? "delay warning time"
                            : "queue lifetime") + " for every message (no Precedence classes)",
                            "the _NORMAL value (or the plain one) becomes the key");
                } else if (!name.startsWith("conf") && !name.equals(name.toUpperCase(Locale.ROOT))) {
                    throw ImportException.at(d, "define(`" + name + "') is a user m4 macro, which mailferry import "
                            + "does not expand; write the directives that use it plainly, then import again");
                } else {
                    String[] why = McReasons.OPTIONS.get(name);
                    if (why == null) {
                        t.notTranslated(d, name + " has no Mailferry equivalent mailferry import knows",
                                "see what it does in sendmail's cf/README and find the key in docs/configuration.md");
                    } else {
                        t.notTranslated(d, why[0], why[1]);
                    }
                }
            }
        }
    }

    private static void mechanisms(Translation t, Directive d, String value) {
        List<String> ours = new ArrayList<>();
        List<String> others = new ArrayList<>();
        for (String m : value.toUpperCase(Locale.ROOT).split("[\\s,]+")) {
            if (!m.isEmpty()) {
                (SendmailMc.isMechanism(m) ? ours : others).add(m);
            }
        }
        if (ours.isEmpty()) {
            t.notTranslated(d, "none of " + value + " is a mechanism Mailferry uses (OAUTHBEARER, XOAUTH2, CRAM-MD5, "
                    + "PLAIN, LOGIN)", "leave relay.auth_mechanisms at its default");
            return;
        }
        t.setList(d, "relay.auth_mechanisms", ours, (others.isEmpty() ? "" : String.join(" ", others)
                + " left out: Mailferry does not use them; ") + "in this order of preference; an authinfo M: field "
                + "replaces the list for its host");
    }

    private static void time(Translation t, Directive d, String value, char unit, String key, boolean zeroDisables)
            throws ImportException {
        Long seconds = TimeValue.seconds(value, unit);
        if (seconds == null) {
            throw ImportException.at(d, "'" + value + "' is not a time; write e.g. 5d, 4h or 1h30m");
        }
        if (seconds == 0 && !zeroDisables) {
            t.notTranslated(d, "0 returns a message at its first temporary failure; Mailferry always retries for "
                    + "a while", "set queue.lifetime to a short time, e.g. \"1h\"");
            return;
        }
        t.set(d, key, TimeValue.text(seconds), seconds == 0 ? "0: no delay warnings" : "");
    }

    private static void number(Translation t, Directive d, String value, String key, long max)
            throws ImportException {
        if (!value.matches("[0-9]{1,18}")) {
            throw ImportException.at(d, "'" + value + "' is not a whole number");
        }
        long n = Long.parseLong(value);
        if (n == 0 || n > max) {
            t.setNumber(d, key, max, (n == 0 ? "0 means no limit in sendmail, so" : value + " is more than")
                    + " Mailferry's largest");
        } else {
            t.setNumber(d, key, n, "");
        }
    }

    private static void caFile(Translation t, Directive d, String value) {
        if (!Files.isReadable(Path.of(value))) {
            t.notTranslated(d, value + " is not there (or not readable), and relay.ca_file must be",
                    "set relay.ca_file to the PEM file of the CA that signed the smarthost's certificate, if not a "
                            + "public CA");
            return;
        }
        t.set(d, "relay.ca_file", value, "Mailferry then trusts only the CAs in this file for the smarthost's "
                + "certificate (sendmail also used it for its own clients): remove relay.ca_file if the smarthost's "
                + "certificate is from a public CA that is not in it");
    }
}
