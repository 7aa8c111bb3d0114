package org.mailferry.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads Postfix's sasl_passwd text file as it is (no postmap step):
 * <pre>
 * # comment
 * [smtp.example.com]:587   user:password
 * relay.example.net        user@example.net:pass:with:colons
 * </pre>
 * The password is everything after the first colon of the second column. A sender-dependent
 * entry (a key with '@': user@domain or @domain) is used only with
 * relay.sender_dependent_authentication, which looks the envelope sender up first.
 */
public final class SaslPasswdFile {
    private SaslPasswdFile() {
    }

    public static List<AuthinfoEntry> parse(String file, String text) throws ConfigException {
        List<AuthinfoEntry> out = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] cols = line.split("\\s+", 2);
            if (cols.length < 2 || cols[1].indexOf(':') < 0) {
                throw ConfigException.at(file, i + 1, "a sasl_passwd line is '[host]:port user:password'");
            }
            String key = cols[0];
            String host = key;
            int port = 0;
            boolean sender = key.contains("@"); // user@domain or @domain: the whole key, any port
            int close = key.startsWith("[") ? key.indexOf(']') : -1;
            if (key.startsWith("[") && close < 0) {
                throw ConfigException.at(file, i + 1, "missing ']' in the host; write [host]:port");
            }
            int colon = sender ? -1 : key.indexOf(':', Math.max(close, 0));
            if (colon >= 0) {
                host = key.substring(0, colon);
                try {
                    port = Integer.parseInt(key.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw ConfigException.at(file, i + 1, "the port after the host must be a number from 1 to 65535");
                }
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            String value = cols[1].strip();
            int c = value.indexOf(':');
            out.add(new AuthinfoEntry(host.toLowerCase(Locale.ROOT), port, value.substring(0, c), "",
                    new Secret(value.substring(c + 1)), "", List.of(), file + ":" + (i + 1)));
        }
        return List.copyOf(out);
    }
}
