package org.mailferry.imports;

import java.util.List;
import org.mailferry.config.Smarthost;

/**
 * What relay.tls = "auto" will do toward the smarthost, for the report: Sendmail and Postfix try
 * TLS when offered and fall back to clear text; Mailferry does not fall back.
 */
final class TlsNote {
    private TlsNote() {
    }

    static String of(List<String> specs) {
        Smarthost h = Smarthost.parse(specs.get(0));
        if (h.host().equals("localhost") || h.host().startsWith("127.") || h.host().equals("::1")) {
            return "on loopback: STARTTLS when offered (relay.tls = \"auto\")";
        }
        return h.port() == 465 ? "port 465: implicit TLS, certificate verified (relay.tls = \"auto\")"
                : "port " + h.port() + ": STARTTLS required, certificate verified, never clear text (relay.tls = "
                + "\"auto\")";
    }
}
