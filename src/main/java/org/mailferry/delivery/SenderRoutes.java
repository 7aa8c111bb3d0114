package org.mailferry.delivery;

import java.util.List;
import java.util.Locale;
import org.mailferry.config.AuthinfoEntry;
import org.mailferry.config.Config;
import org.mailferry.config.RateLimits;
import org.mailferry.config.SenderRelayMap;
import org.mailferry.config.Smarthost;
import org.mailferry.message.Address;

/**
 * Which route a message takes, by its envelope sender (Postfix's sender_dependent_relayhost_maps
 * and smtp_sender_dependent_authentication): the smarthosts of relay.sender_relay_map's entry for
 * the sender (the address, then its {@code @domain}; {@code <>} for the null sender), else
 * relay.smarthost; and, with relay.sender_dependent_authentication, the credentials entry for the
 * sender (address, then {@code @domain}) before the smarthost's. A route is a smarthost with its
 * login: its name tags the connections opened for it (a connection never carries another route's
 * message, so two logins never share one) and keys its quotas.
 */
final class SenderRoutes {
    private SenderRoutes() {
    }

    /**
     * @param name       "default", the map's key, and "|" with the credentials key when the login is
     *                   the sender's ("default|alice@example.com"); no spaces (SPOOL/quotas)
     * @param smarthosts where it goes, in failover order; empty: nowhere configured
     * @param limits     its quotas: the map entry's, or relay.* for relay.smarthost
     * @param login      the credentials key to look up first (the sender or @domain), or null
     */
    record Route(String name, List<Smarthost> smarthosts, RateLimits limits, String login) {
    }

    static Route of(Config.Relay relay, Address sender) {
        String address = sender.isNull() ? "<>" : sender.value().toLowerCase(Locale.ROOT);
        String domain = sender.isNull() ? null : "@" + sender.domain().toLowerCase(Locale.ROOT);
        SenderRelayMap.Entry entry = find(relay.senderRelays(), address, domain);
        String login = relay.senderDependentAuthentication() && !sender.isNull()
                ? login(relay.security() == null ? List.of() : relay.security().credentials(), address, domain)
                : null;
        boolean mapped = entry != null && !entry.smarthosts().isEmpty();
        String base = mapped ? entry.key() : Quotas.DEFAULT_ROUTE;
        String name = login == null || login.equals(base) ? base : base + "|" + login;
        return new Route(name, mapped ? entry.smarthosts() : relay.smarthosts(),
                mapped ? entry.limits() : relay.limits(), login);
    }

    private static SenderRelayMap.Entry find(List<SenderRelayMap.Entry> entries, String address, String domain) {
        SenderRelayMap.Entry byDomain = null;
        for (SenderRelayMap.Entry e : entries) {
            if (e.key().equals(address)) {
                return e;
            }
            if (e.key().equals(domain)) {
                byDomain = e;
            }
        }
        return byDomain;
    }

    private static String login(List<AuthinfoEntry> credentials, String address, String domain) {
        String byDomain = null;
        for (AuthinfoEntry e : credentials) {
            if (e.host().equals(address)) {
                return address;
            }
            if (e.host().equals(domain)) {
                byDomain = domain;
            }
        }
        return byDomain;
    }
}
