package org.mailferry.delivery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import org.mailferry.config.Config;
import org.mailferry.config.Smarthost;
import org.xbill.DNS.Address;

/**
 * Turns the configured smarthosts into addresses to try, in order (RFC 5321 5.1). A bracketed
 * smarthost is connected to directly (its A/AAAA records, or the address written). An unbracketed
 * one is looked up as MX first: the MX hosts by preference, in random order among equal
 * preferences; its own A/AAAA only when it has no MX record (NOERROR without MX: the implicit MX).
 * NXDOMAIN is not "no MX": that name has no route. A null MX (RFC 7505, the single record
 * {@code 0 .}) means the domain takes no mail. Every address of a name is tried before the next
 * name; the next smarthost in the list is the failover. The names "localhost" and names without
 * a dot are not looked up as MX (a host of /etc/hosts or of the search list, as before MX).
 */
public final class Router {

    /** One address to try and the name it came from (for log lines and TLS host checks). */
    public record Target(String hostName, InetSocketAddress address) {
    }

    private final Dns dns;
    private final RandomGenerator random;

    Router(Dns dns, RandomGenerator random) {
        this.dns = dns;
        this.random = random;
    }

    /** A router asking relay.dns_servers (or /etc/resolv.conf's), with its own TTL cache. */
    public static Router of(Config.Relay relay) {
        return new Router(Dns.of(relay.dnsServers()), RandomGenerator.getDefault());
    }

    /**
     * Every address to try, best first. Names that fail are skipped while another gives an
     * address; when none does, the failure that decides the outcome ({@link LookupFailure#decisive}).
     */
    public List<Target> targets(List<Smarthost> smarthosts) throws LookupFailure {
        List<Target> out = new ArrayList<>();
        LookupFailure failure = null;
        for (Smarthost s : smarthosts) {
            try {
                out.addAll(targets(s));
            } catch (LookupFailure e) {
                failure = LookupFailure.decisive(failure, e);
            }
        }
        if (out.isEmpty()) {
            throw failure != null ? failure
                    : new LookupFailure(LookupFailure.Kind.NO_ADDRESS, "no smarthost configured");
        }
        return out;
    }

    private List<Target> targets(Smarthost s) throws LookupFailure {
        if (!s.mxLookup() || s.host().equalsIgnoreCase("localhost") || !s.host().contains(".")) {
            return host(s.host(), s.port());
        }
        List<Dns.Mx> mxs = dns.mx(s.host());
        if (mxs.isEmpty()) {
            return host(s.host(), s.port()); // no MX record: the implicit MX, the name itself
        }
        if (mxs.stream().allMatch(Dns.Mx::isRoot)) {
            throw new LookupFailure(LookupFailure.Kind.NULL_MX, "domain " + s.host()
                    + " does not accept mail (null MX, RFC 7505)");
        }
        List<Target> out = new ArrayList<>();
        LookupFailure failure = null;
        for (Dns.Mx mx : ordered(mxs)) {
            if (mx.isRoot()) {
                continue; // "." beside real MX hosts: not a host to connect to
            }
            try {
                out.addAll(host(mx.host(), s.port()));
            } catch (LookupFailure e) {
                failure = LookupFailure.decisive(failure, e);
            }
        }
        if (out.isEmpty()) {
            // RFC 5321 5.1: MX records but none usable is an error, never a fall back to A.
            throw new LookupFailure(failure.kind() == LookupFailure.Kind.TEMPORARY ? failure.kind()
                    : LookupFailure.Kind.NO_ADDRESS, "no MX host of " + s.host() + " has an address: "
                    + failure.getMessage());
        }
        return out;
    }

    /** Lowest preference first; equal preferences in random order (RFC 5321 5.1). */
    List<Dns.Mx> ordered(List<Dns.Mx> mxs) {
        List<Dns.Mx> out = new ArrayList<>(mxs);
        Collections.shuffle(out, random);
        out.sort(Comparator.comparingInt(Dns.Mx::preference)); // stable: the shuffle stays within a preference
        return out;
    }

    private List<Target> host(String name, int port) throws LookupFailure {
        List<Target> out = new ArrayList<>();
        InetAddress literal = literal(name);
        for (InetAddress a : literal != null ? List.of(literal) : dns.addresses(name)) {
            out.add(new Target(name, new InetSocketAddress(a, port)));
        }
        return out;
    }

    /** An IPv4 or IPv6 address written as such, without a lookup; null for a name. */
    private static InetAddress literal(String name) {
        if (Address.toByteArray(name, Address.IPv4) == null && Address.toByteArray(name, Address.IPv6) == null) {
            return null;
        }
        try {
            return Address.getByAddress(name);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
