package org.mailferry.submission;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may hand us mail for relaying without authenticating: clients whose address is in one of
 * the allowed networks (loopback by default, like Postfix's {@code mynetworks_style = host}).
 * Everyone else is refused at RCPT with 554 5.7.1: never an open relay.
 */
public final class ClientPolicy {
    private record Network(byte[] address, int prefix) {
        boolean contains(byte[] a) {
            if (a.length != address.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (address[full] & mask);
        }
    }

    private final List<Network> networks;

    private ClientPolicy(List<Network> networks) {
        this.networks = networks;
    }

    /** Parses "127.0.0.0/8", "::1/128", "10.1.2.3" (a host). */
    public static ClientPolicy of(List<String> cidrs) {
        List<Network> out = new ArrayList<>();
        for (String c : cidrs) {
            String s = c.strip();
            if (s.startsWith("[")) {
                s = s.replace("[", "").replace("]", "");
            }
            int slash = s.indexOf('/');
            String host = slash < 0 ? s : s.substring(0, slash);
            if (!host.matches("[0-9A-Fa-f:.]+")) {
                throw new IllegalArgumentException("'" + c + "' is not a network; write e.g. 127.0.0.0/8 or ::1/128");
            }
            byte[] addr;
            try {
                addr = InetAddress.getByName(host).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + c + "' is not a network; write e.g. 127.0.0.0/8 or ::1/128");
            }
            int prefix;
            try {
                prefix = slash < 0 ? addr.length * 8 : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + c + "': prefix length is not a number");
            }
            if (prefix < 0 || prefix > addr.length * 8) {
                throw new IllegalArgumentException("'" + c + "': prefix length out of range");
            }
            out.add(new Network(addr, prefix));
        }
        return new ClientPolicy(List.copyOf(out));
    }

    public static ClientPolicy loopback() {
        return of(List.of("127.0.0.0/8", "::1/128"));
    }

    public boolean mayRelay(InetAddress client) {
        byte[] a = client.getAddress();
        for (Network n : networks) {
            if (n.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
