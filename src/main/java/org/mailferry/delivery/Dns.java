package org.mailferry.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * MX and address lookups through dnsjava: typed records, the response code kept apart from "no
 * record of that type", and one cache that keeps each answer for its TTL (a negative answer for the
 * SOA's minimum, RFC 2308). The servers are relay.dns_servers, or those of /etc/resolv.conf. A name
 * without a dot goes through resolv.conf's search list, as the C library's lookups do; A and AAAA
 * lookups read /etc/hosts first.
 */
final class Dns {
    /** One try at one server (dnsjava's default). */
    static final Duration TRY_TIMEOUT = Duration.ofSeconds(5);
    /** The whole query, over every server and retry (dnsjava's default). */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(10);

    /** One MX record; {@code host} without the final dot, "." for the root (a null MX's). */
    record Mx(int preference, String host) {
        boolean isRoot() {
            return host.equals(".");
        }
    }

    private final Resolver resolver;
    private final Cache cache = new Cache(DClass.IN);

    Dns(List<InetSocketAddress> servers, Duration tryTimeout, Duration queryTimeout) {
        List<Resolver> each = new ArrayList<>();
        for (InetSocketAddress a : servers.isEmpty() ? ResolverConfig.getCurrentConfig().servers() : servers) {
            SimpleResolver r = new SimpleResolver(a);
            r.setTimeout(tryTimeout);
            each.add(r);
        }
        ExtendedResolver all = new ExtendedResolver(each);
        all.setTimeout(queryTimeout);
        this.resolver = all;
    }

    /** @param servers empty: those of /etc/resolv.conf */
    static Dns of(List<InetSocketAddress> servers) {
        return new Dns(servers, TRY_TIMEOUT, QUERY_TIMEOUT);
    }

    /**
     * The MX records of {@code domain} as the DNS gave them; empty when it has none (NOERROR with
     * no MX: RFC 5321 5.1's implicit MX is the caller's).
     */
    List<Mx> mx(String domain) throws LookupFailure {
        Lookup lookup = lookup(domain, Type.MX);
        Record[] records = lookup.run();
        List<Mx> out = new ArrayList<>();
        switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> {
                for (Record r : records) {
                    if (r instanceof MXRecord mx) {
                        Name target = mx.getTarget();
                        out.add(new Mx(mx.getPriority(), target.equals(Name.root) ? "." : target.toString(true)));
                    }
                }
            }
            case Lookup.TYPE_NOT_FOUND -> {
                // no MX record: the caller falls back to the name's addresses
            }
            case Lookup.HOST_NOT_FOUND -> throw new LookupFailure(LookupFailure.Kind.NO_SUCH_NAME,
                    "MX lookup of " + domain + ": no such domain (NXDOMAIN)");
            default -> throw trouble("MX", domain, lookup);
        }
        return out;
    }

    /** The IPv4 then IPv6 addresses of {@code host}, each family in the DNS's order. */
    List<InetAddress> addresses(String host) throws LookupFailure {
        List<InetAddress> out = new ArrayList<>();
        LookupFailure failure = null;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Lookup lookup = lookup(host, type);
            Record[] records = lookup.run();
            switch (lookup.getResult()) {
                case Lookup.SUCCESSFUL -> {
                    for (Record r : records) {
                        if (r instanceof ARecord a) {
                            out.add(a.getAddress());
                        } else if (r instanceof AAAARecord a) {
                            out.add(a.getAddress());
                        }
                    }
                }
                case Lookup.TYPE_NOT_FOUND -> failure = LookupFailure.decisive(failure, new LookupFailure(
                        LookupFailure.Kind.NO_ADDRESS, host + ": no address record (A or AAAA)"));
                case Lookup.HOST_NOT_FOUND -> failure = LookupFailure.decisive(failure, new LookupFailure(
                        LookupFailure.Kind.NO_SUCH_NAME, host + ": no such host (NXDOMAIN)"));
                default -> failure = LookupFailure.decisive(failure, trouble(Type.string(type), host, lookup));
            }
        }
        if (out.isEmpty()) {
            throw failure;
        }
        return out;
    }

    private Lookup lookup(String host, int type) throws LookupFailure {
        Name name;
        try {
            // A dotted name is absolute (no search list), as the resolver's ndots:1 default has it.
            name = Name.fromString(host.contains(".") && !host.endsWith(".") ? host + "." : host);
        } catch (TextParseException e) {
            throw new LookupFailure(LookupFailure.Kind.NO_SUCH_NAME, host + ": not a domain name (" + e.getMessage() + ")");
        }
        Lookup lookup = new Lookup(name, type, DClass.IN);
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        lookup.setCycleResults(false);
        return lookup;
    }

    private static LookupFailure trouble(String type, String name, Lookup lookup) {
        String why = lookup.getErrorString(); // the response code (SERVFAIL, REFUSED), or dnsjava's words
        if (why.equals("timed out") || why.equals("network error")) {
            // dnsjava reports a resolver's timeout as a network error: say what is known
            why = "no answer from the name servers (a timeout or a network error)";
        }
        return new LookupFailure(LookupFailure.Kind.TEMPORARY, type + " lookup of " + name + ": " + why);
    }
}
