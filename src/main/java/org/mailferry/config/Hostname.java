package org.mailferry.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The system's fully qualified host name, for greetings, EHLO, Received headers and the origin
 * domain when none is configured (issue 12, item 8). gethostname() first; a name without a dot is
 * completed the way the resolver's files complete it, as `hostname --fqdn` does on a Debian
 * system: the first name of the /etc/hosts line that lists it, else the "domain" (or first
 * "search") domain of /etc/resolv.conf. Never a DNS query: like Postfix (whose check_myhostname
 * refuses to call the resolver, as it would hang every program when DNS is down), the sendmail
 * command must start without the network. When nothing qualifies it, the short name is used and
 * the daemon warns at start (Postfix would append ".localdomain", a domain no smarthost accepts).
 */
public final class Hostname {
    private Hostname() {
    }

    public static String local() {
        return qualify(shortName(), read("/etc/hosts"), read("/etc/resolv.conf"));
    }

    /** True for a name with a domain part. */
    public static boolean isQualified(String name) {
        int dot = name.indexOf('.');
        return dot > 0 && dot < name.length() - 1;
    }

    /** What gethostname() returns, without the name service (the sendmail command starts faster). */
    static String shortName() {
        String h = read("/proc/sys/kernel/hostname").strip();
        if (!h.isEmpty()) {
            return h;
        }
        try { // not Linux: ask the JDK
            String j = InetAddress.getLocalHost().getHostName();
            return j == null || j.isBlank() ? "localhost" : j;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** {@code name} completed from the text of /etc/hosts, then of /etc/resolv.conf. */
    static String qualify(String name, String hosts, String resolvConf) {
        if (isQualified(name)) {
            return name;
        }
        for (String line : hosts.split("\n")) {
            String[] f = fields(line);
            for (int i = 1; i < f.length; i++) {
                if (f[i].equalsIgnoreCase(name)) {
                    if (isQualified(f[1])) {
                        return f[1];
                    }
                    break;
                }
            }
        }
        String domain = null;
        for (String line : resolvConf.split("\n")) { // the last "domain" or "search" line wins, as in resolv.conf(5)
            String[] f = fields(line);
            if (f.length > 1 && (f[0].equals("domain") || f[0].equals("search")) && Key.isDomainName(f[1])) {
                domain = f[1];
            }
        }
        return domain == null ? name : name + "." + (domain.endsWith(".") ? domain.substring(0, domain.length() - 1)
                : domain);
    }

    private static String[] fields(String line) {
        int hash = line.indexOf('#');
        String l = (hash >= 0 ? line.substring(0, hash) : line).strip();
        return l.isEmpty() ? new String[0] : l.split("[ \t]+");
    }

    private static String read(String file) {
        try {
            return new String(Files.readAllBytes(Path.of(file)), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
