package org.mailferry.rewrite;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mailferry.config.Config;
import org.mailferry.config.GenericMap;

/**
 * One address rewritten for its role, in Postfix's order: masquerading first (cleanup's
 * myorigin and masquerade_domains), then the generic map (smtp_generic_maps, at delivery).
 * The null sender is never rewritten. Pure: no I/O, the same answer for the same address.
 */
public final class AddressRules {
    private final String masqueradeAs;
    private final Set<String> localNames;
    private final List<String> masqueradeDomains;
    private final Set<String> exceptions;
    private final Set<Role> masqueradeRoles;
    private final GenericMap generic;
    private final Set<Role> genericRoles;

    public AddressRules(Config.Rewrite r) {
        this.masqueradeAs = r.masqueradeAs();
        this.localNames = new HashSet<>(r.localNames());
        this.masqueradeDomains = r.masqueradeDomains();
        this.exceptions = new HashSet<>(r.masqueradeExceptions());
        this.masqueradeRoles = roles(r.masqueradeClasses());
        this.generic = r.genericMap();
        this.genericRoles = roles(r.genericClasses());
    }

    private static Set<Role> roles(List<String> words) {
        Set<Role> s = EnumSet.noneOf(Role.class);
        for (String w : words) {
            Role r = Role.of(w);
            if (r != null) {
                s.add(r);
            }
        }
        return s;
    }

    /** True when no rule would change any address (nothing configured). */
    public boolean isIdentity() {
        boolean masquerades = !masqueradeRoles.isEmpty() && (!masqueradeAs.isEmpty() || !masqueradeDomains.isEmpty());
        return !masquerades && (generic.isEmpty() || genericRoles.isEmpty());
    }

    /** True when some rule applies to addresses in {@code role}. */
    public boolean covers(Role role) {
        return masqueradeRoles.contains(role) && (!masqueradeAs.isEmpty() || !masqueradeDomains.isEmpty())
                || genericRoles.contains(role) && !generic.isEmpty();
    }

    /** {@code address} (local part and domain, no brackets) as the smarthost is to see it in {@code role}. */
    public String rewrite(String address, Role role) {
        if (address.isEmpty()) {
            return address;
        }
        String a = masqueradeRoles.contains(role) ? masquerade(address) : address;
        if (genericRoles.contains(role)) {
            String mapped = generic.lookup(a, isLocal(domain(a)));
            if (mapped != null) {
                a = mapped;
            }
        }
        return a;
    }

    /** Unqualified or at a local name: sendmail's class w, and the masquerade domain itself. */
    private boolean isLocal(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        return d.isEmpty() || localNames.contains(d) || d.equals(masqueradeAs.toLowerCase(Locale.ROOT));
    }

    private String masquerade(String address) {
        int at = address.lastIndexOf('@');
        String localPart = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at + 1);
        if (exceptions.contains(localPart.toLowerCase(Locale.ROOT))) {
            return address;
        }
        if (!masqueradeAs.isEmpty() && (domain.isEmpty() || localNames.contains(domain.toLowerCase(Locale.ROOT)))) {
            domain = masqueradeAs;
        }
        if (domain.isEmpty()) {
            return address; // unqualified, and no domain to give it
        }
        return localPart + "@" + stripped(domain);
    }

    /**
     * Postfix's cleanup_masquerade_external: the first listed domain that is a parent of
     * {@code domain} replaces it; a listed domain equal to it, or a "!parent", leaves it alone.
     * Order matters, as there.
     */
    private String stripped(String domain) {
        for (String entry : masqueradeDomains) {
            boolean truncate = true;
            String m = entry;
            while (m.startsWith("!")) {
                m = m.substring(1);
                truncate = !truncate;
            }
            if (m.isEmpty()) {
                continue;
            }
            if (m.length() == domain.length()) {
                if (m.equalsIgnoreCase(domain)) {
                    return domain;
                }
            } else if (m.length() < domain.length()) {
                int start = domain.length() - m.length();
                if (domain.charAt(start - 1) == '.' && domain.regionMatches(true, start, m, 0, m.length())) {
                    return truncate ? m : domain;
                }
            }
        }
        return domain;
    }

    private static String domain(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? "" : address.substring(at + 1);
    }
}
