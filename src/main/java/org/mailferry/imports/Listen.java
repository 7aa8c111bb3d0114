package org.mailferry.imports;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Postfix's inet_interfaces and mynetworks as smtpd.listen and smtpd.mynetworks. */
final class Listen {
    private static final String IPV4 = "[0-9]{1,3}(\\.[0-9]{1,3}){3}";

    private Listen() {
    }

    /** inet_interfaces: Mailferry listens on one address; port 25, Postfix's smtp service in master.cf. */
    static void interfaces(Translation t, Directive d, String value) {
        List<String> all = words(value);
        if (all.isEmpty()) {
            t.notTranslated(d, "empty", "set smtpd.listen");
            return;
        }
        String first = all.get(0);
        String addr = switch (first) {
            case "all" -> "0.0.0.0";
            case "loopback-only", "localhost" -> "127.0.0.1";
            default -> first.replace("[", "").replace("]", "");
        };
        String note = "port 25, as master.cf's smtp service (not read): change the port if it listens elsewhere";
        if (first.equals("all")) {
            note += "; all IPv4 addresses (\"[::]:25\" for IPv6 too)";
        }
        if (all.size() > 1) {
            note += "; Mailferry listens on one address: " + String.join(", ", all.subList(1, all.size()))
                    + " not translated";
        }
        t.set(d, "smtpd.listen", (addr.contains(":") ? "[" + addr + "]" : addr) + ":25", note);
    }

    /** mynetworks: networks as Mailferry writes them; IPv4-mapped IPv6 networks become IPv4 ones. */
    static void networks(Translation t, Directive d, String value) {
        List<String> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<String> mapped = new ArrayList<>();
        for (String w : words(value)) {
            String n = network(w);
            if (n == null) {
                skipped.add(w);
                continue;
            }
            if (w.toLowerCase(java.util.Locale.ROOT).contains("::ffff:")) {
                mapped.add(w + " is " + n);
            }
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        if (out.isEmpty()) {
            t.notTranslated(d, "no network written as an address or address/prefix (" + value + ")",
                    "list the networks in smtpd.mynetworks, e.g. [\"127.0.0.0/8\", \"::1/128\"]");
            return;
        }
        List<String> notes = new ArrayList<>();
        if (!mapped.isEmpty()) {
            notes.add(String.join(", ", mapped) + " (IPv4-mapped IPv6: Mailferry sees such clients as IPv4)");
        }
        if (!skipped.isEmpty()) {
            notes.add(String.join(", ", skipped) + " not translated: Mailferry reads networks, not files, tables or "
                    + "host names; add them as networks");
        }
        t.setList(d, "smtpd.mynetworks", out, String.join("; ", notes));
    }

    private static @Nullable String network(String written) {
        String s = written.replace("[", "").replace("]", "");
        int slash = s.indexOf('/');
        String addr = slash < 0 ? s : s.substring(0, slash);
        @Nullable String prefixText = slash < 0 ? null : s.substring(slash + 1);
        if (!prefixOk(prefixText)) {
            return null;
        }
        if (addr.toLowerCase(java.util.Locale.ROOT).startsWith("::ffff:") && addr.substring(7).matches(IPV4)) {
            int prefix = prefixText == null ? 128 : Integer.parseInt(prefixText);
            return prefix < 96 ? null : addr.substring(7) + "/" + (prefix - 96);
        }
        if (addr.matches(IPV4)) {
            return prefixText == null || Integer.parseInt(prefixText) <= 32 ? s : null;
        }
        if (addr.contains(":") && addr.matches("[0-9A-Fa-f:.]+")) {
            return prefixText == null || Integer.parseInt(prefixText) <= 128 ? s : null;
        }
        return null;
    }

    private static boolean prefixOk(@Nullable String p) {
        return p == null || p.matches("[0-9]{1,3}");
    }

    private static List<String> words(String value) {
        return List.of(value.strip().split("[\\s,]+")).stream().filter(w -> !w.isEmpty()).toList();
    }
}
