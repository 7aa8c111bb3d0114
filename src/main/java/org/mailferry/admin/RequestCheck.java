package org.mailferry.admin;

import com.sun.net.httpserver.Headers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The admin API's checks before any request is routed, in order:
 * <ol>
 *   <li>{@code Host} must name this listener (its address, localhost, smtpd.hostname,
 *       admin.host_names; the port, if given, its port): a web page that reached it by DNS
 *       rebinding sends its own name, and gets 421;</li>
 *   <li>{@code Origin}, when present (a browser's), must be this listener too, else 403;</li>
 *   <li>everything but {@code GET /health}, {@code GET /metrics} and the web console's paths
 *       ({@code /console/...}, which {@link Console} checks: its session cookie or the same token)
 *       needs {@code Authorization: Bearer} with the content of {@code SPOOL/admin.token}, else 401.</li>
 * </ol>
 */
final class RequestCheck {
    /** A refusal: the status and the text for the client and the log. */
    record Refusal(int code, String reason) {
    }

    private final Supplier<String> token;
    private final Set<String> names;
    private final int port;
    private final String scheme;

    RequestCheck(Supplier<String> token, Set<String> names, int port) {
        this(token, names, port, false);
    }

    /**
     * @param token the admin token in use (a reload may change it)
     * @param tls   the listener speaks HTTPS: a browser's Origin is then https://...
     */
    RequestCheck(Supplier<String> token, Set<String> names, int port, boolean tls) {
        this.token = token;
        this.names = names;
        this.port = port;
        this.scheme = tls ? "https://" : "http://";
    }

    /** The names the listener at {@code bound} answers to ({@code listen} as configured, plus {@code more}). */
    static Set<String> namesOf(InetSocketAddress bound, String listenHost, List<String> more) {
        Set<String> out = new TreeSet<>();
        out.add("localhost");
        out.add(normal(listenHost));
        for (String m : more) {
            out.add(normal(m));
        }
        InetAddress a = bound.getAddress();
        if (a.isAnyLocalAddress()) {
            try {
                for (NetworkInterface i : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                    for (InetAddress x : Collections.list(i.getInetAddresses())) {
                        out.add(normal(x.getHostAddress()));
                    }
                }
            } catch (SocketException e) {
                out.add("127.0.0.1");
            }
        } else {
            out.add(normal(a.getHostAddress()));
        }
        return Set.copyOf(out);
    }

    /** An IPv6 literal without brackets or zone, names in lower case without a final dot. */
    private static String normal(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        int zone = h.indexOf('%');
        if (zone >= 0) {
            h = h.substring(0, zone);
        }
        if (h.contains(":")) {
            try {
                h = InetAddress.getByName(h).getHostAddress(); // a literal (no lookup): one spelling of each
            } catch (java.net.UnknownHostException e) {
                // not a literal: compared as written
            }
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    /** Null when the request may be routed. */
    Refusal check(String method, String path, Headers headers) {
        String host = headers.getFirst("Host");
        if (host == null || !ownAuthority(host)) {
            return new Refusal(421, host == null ? "a request without a Host header is refused"
                    : "Host '" + printable(host) + "' is not a name of this admin API (" + String.join(", ", names)
                    + ", port " + port + "): a web page reaching it through DNS rebinding sends its own name; "
                    + "a real name for this listener goes in admin.host_names");
        }
        String origin = headers.getFirst("Origin");
        if (origin != null && !(origin.startsWith(scheme) && ownAuthority(origin.substring(scheme.length())))) {
            return new Refusal(403, "requests from web pages are refused (Origin '" + printable(origin) + "')");
        }
        boolean open = method.equals("GET") && (path.equals("/health") || path.equals("/metrics"));
        if (open || Console.serves(path)) { // the console checks its session cookie or the token itself
            return null;
        }
        String auth = headers.getFirst("Authorization");
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip()
                : null;
        if (!AdminToken.matches(token.get(), presented)) {
            return new Refusal(401, (presented == null ? "this request needs the admin token"
                    : "wrong admin token (the daemon writes a new one at each start)")
                    + ": send 'Authorization: Bearer TOKEN' with TOKEN from SPOOL/" + AdminToken.FILE
                    + ", which root, the service user and admin.group may read; only GET /health and /metrics are open");
        }
        return null;
    }

    /** "host" or "host:port" naming this listener. */
    private boolean ownAuthority(String authority) {
        String a = authority.strip();
        String host = a;
        String portText = null;
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            if (end < 0) {
                return false;
            }
            host = a.substring(0, end + 1);
            portText = a.length() > end + 1 && a.charAt(end + 1) == ':' ? a.substring(end + 2) : null;
            if (portText == null && a.length() > end + 1) {
                return false;
            }
        } else if (a.indexOf(':') >= 0 && a.indexOf(':') == a.lastIndexOf(':')) {
            host = a.substring(0, a.indexOf(':'));
            portText = a.substring(a.indexOf(':') + 1);
        }
        if (portText != null && !portText.equals(Integer.toString(port))) {
            return false;
        }
        return names.contains(normal(host));
    }

    private static String printable(String s) {
        String t = s.length() > 200 ? s.substring(0, 200) + "..." : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
