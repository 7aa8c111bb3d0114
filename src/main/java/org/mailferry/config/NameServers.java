package org.mailferry.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * relay.dns_servers: each entry an address, not a name (a name server's name would need a name
 * server): {@code "192.0.2.53"}, {@code "127.0.0.1:5353"}, {@code "[2001:db8::53]:53"} or a bare
 * IPv6 address; port 53 when not given.
 */
final class NameServers {
    static final int DNS_PORT = 53;

    private NameServers() {
    }

    static List<InetSocketAddress> parse(List<String> specs) throws IllegalArgumentException {
        List<InetSocketAddress> out = new ArrayList<>();
        for (String spec : specs) {
            out.add(parse(spec.strip()));
        }
        return List.copyOf(out);
    }

    private static InetSocketAddress parse(String s) {
        String host = s;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || (close + 1 < s.length() && s.charAt(close + 1) != ':')) {
                throw bad(s, "write an IPv6 address as [2001:db8::53] or [2001:db8::53]:53");
            }
            host = s.substring(1, close);
            port = close + 1 < s.length() ? s.substring(close + 2) : null;
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = s.substring(s.indexOf(':') + 1);
        }
        boolean v4 = host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        boolean v6 = host.contains(":") && host.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) {
            throw bad(s, "'" + host + "' is not an IP address; name servers are given by address, "
                    + "e.g. \"127.0.0.1\" or \"127.0.0.1:5353\"");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host); // a literal: parsed, never looked up
        } catch (UnknownHostException e) {
            throw bad(s, "'" + host + "' is not an IP address");
        }
        return new InetSocketAddress(address, port == null ? DNS_PORT : Smarthost.port(port, why -> bad(s, why)));
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("relay.dns_servers: '" + spec + "': " + why);
    }
}
