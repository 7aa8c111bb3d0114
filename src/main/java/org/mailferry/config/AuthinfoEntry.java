package org.mailferry.config;

import java.util.List;
import java.util.Locale;

/**
 * One set of smarthost credentials from an authinfo or sasl_passwd file.
 *
 * @param host        smarthost name or address, lower case; empty for sendmail's default entry
 * @param port        0 when the entry has no port (it then matches any port)
 * @param user        the authentication identity (authinfo {@code I:}, else {@code U:})
 * @param authzId     the authorization identity (authinfo {@code U:} when {@code I:} is also given), or ""
 * @param mechanisms  authinfo {@code M:}, upper case; empty means "use relay.auth_mechanisms"
 * @param source      "file:line", for messages (never the line's text: it holds a password)
 */
public record AuthinfoEntry(String host, int port, String user, String authzId, Secret password, String realm,
                            List<String> mechanisms, String source) {

    /**
     * sendmail's rule: {@code host:port} first, then {@code host} (then, by the caller, the
     * default entry, see {@link #fallback}). In each step the first entry in file order wins.
     */
    public static AuthinfoEntry match(List<AuthinfoEntry> entries, String host, int port) {
        String h = host.toLowerCase(Locale.ROOT);
        for (AuthinfoEntry e : entries) {
            if (e.host.equals(h) && e.port == port) {
                return e;
            }
        }
        for (AuthinfoEntry e : entries) {
            if (e.host.equals(h) && e.port == 0) {
                return e;
            }
        }
        return null;
    }

    /** sendmail's default entry ({@code AuthInfo:} with no host), or null. */
    public static AuthinfoEntry fallback(List<AuthinfoEntry> entries) {
        for (AuthinfoEntry e : entries) {
            if (e.host.isEmpty()) {
                return e;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "credentials for " + (host.isEmpty() ? "(default)" : host) + (port > 0 ? ":" + port : "")
                + " user " + user + " from " + source;
    }
}
