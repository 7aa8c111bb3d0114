package org.mailferry.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Hashtable;
import java.util.List;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;
import org.mailferry.config.Smarthost;

/**
 * Turns the configured smarthosts into addresses to try, in order. A bracketed smarthost is
 * connected to directly; an unbracketed one is looked up as MX first (lowest preference first),
 * falling back to the name itself when it has no MX records (RFC 5321 5.1). Every address of a
 * name is tried before the next name; the next smarthost in the list is the failover.
 */
public final class Router {

    /** One address to try and the name it came from (for log lines and TLS host checks). */
    public record Target(String hostName, InetSocketAddress address) {
    }

    private Router() {
    }

    public static List<Target> targets(List<Smarthost> smarthosts) throws UnknownHostException {
        List<Target> out = new ArrayList<>();
        UnknownHostException last = null;
        for (Smarthost s : smarthosts) {
            List<String> names = s.mxLookup() ? mx(s.host()) : List.of(s.host());
            for (String name : names) {
                try {
                    for (InetAddress a : InetAddress.getAllByName(name)) {
                        out.add(new Target(name, new InetSocketAddress(a, s.port())));
                    }
                } catch (UnknownHostException e) {
                    last = e;
                }
            }
        }
        if (out.isEmpty()) {
            throw last != null ? last : new UnknownHostException("no address for the smarthost");
        }
        return out;
    }

    /**
     * MX hosts of {@code domain} by preference, or the domain itself when it has none. Error
     * Prone's BanJNDI: the context is the DNS provider only, and only MX attributes' string forms
     * are read, so no object is ever deserialized (a DNS library replaces this lookup with the MX
     * issue).
     */
    @SuppressWarnings("BanJNDI")
    static List<String> mx(String domain) {
        if (domain.equalsIgnoreCase("localhost") || !domain.contains(".")) {
            return List.of(domain);
        }
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        env.put("com.sun.jndi.dns.timeout.initial", "2000");
        env.put("com.sun.jndi.dns.timeout.retries", "2");
        try {
            InitialDirContext ctx = new InitialDirContext(env);
            try {
                Attribute attr = ctx.getAttributes(domain, new String[] {"MX"}).get("MX");
                if (attr == null || attr.size() == 0) {
                    return List.of(domain);
                }
                record Mx(int preference, String host) {
                }
                List<Mx> mxs = new ArrayList<>();
                for (int i = 0; i < attr.size(); i++) {
                    String[] f = attr.get(i).toString().trim().split("\\s+");
                    if (f.length == 2) {
                        String host = f[1].endsWith(".") ? f[1].substring(0, f[1].length() - 1) : f[1];
                        mxs.add(new Mx(Integer.parseInt(f[0]), host));
                    }
                }
                mxs.sort(Comparator.comparingInt(Mx::preference));
                return mxs.isEmpty() ? List.of(domain) : mxs.stream().map(Mx::host).toList();
            } finally {
                ctx.close();
            }
        } catch (NameNotFoundException e) {
            return List.of(domain);
        } catch (NamingException | NumberFormatException e) {
            // DNS unreachable or odd answer: fall back to the name's address records, as a
            // resolver without MX support would; the connection attempt will tell the rest.
            return List.of(domain);
        }
    }
}
