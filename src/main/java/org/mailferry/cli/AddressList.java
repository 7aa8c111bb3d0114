package org.mailferry.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Pulls the addresses out of an RFC 5322 address list (To, Cc, Bcc, or a sendmail argument):
 * {@code "Doe, John" <john@example.com>, jane@example.com (Jane), team: a@x, b@y;}. Splits on
 * commas outside quotes, comments and angle brackets; takes the part in angle brackets when there
 * is one, else the bare address without comments; skips group names and empty groups.
 */
final class AddressList {
    private AddressList() {
    }

    static List<String> parse(String list) {
        List<String> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        StringBuilder angle = null;
        boolean inQuote = false;
        int comment = 0;
        String angled = null;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (inQuote) {
                (angle != null ? angle : plain).append(c);
                if (c == '\\' && i + 1 < list.length()) {
                    (angle != null ? angle : plain).append(list.charAt(++i));
                } else if (c == '"') {
                    inQuote = false;
                }
            } else if (comment > 0) {
                if (c == '\\') {
                    i++;
                } else if (c == '(') {
                    comment++;
                } else if (c == ')') {
                    comment--;
                }
            } else if (c == '"') {
                inQuote = true;
                (angle != null ? angle : plain).append(c);
            } else if (c == '(') {
                comment = 1;
            } else if (angle != null) {
                if (c == '>') {
                    angled = angle.toString();
                    angle = null;
                } else {
                    angle.append(c);
                }
            } else if (c == '<') {
                angle = new StringBuilder();
            } else if (c == ':') {
                plain.setLength(0); // a group's display name
            } else if (c == ',' || c == ';') {
                add(out, angled, plain);
                angled = null;
                plain.setLength(0);
            } else {
                plain.append(c);
            }
        }
        add(out, angle != null ? angle.toString() : angled, plain);
        return out;
    }

    private static void add(List<String> out, String angled, StringBuilder plain) {
        String a = angled != null ? angled.strip() : plain.toString().strip();
        if (angled != null) {
            int colon = a.indexOf(':');
            if (a.startsWith("@") && colon > 0) {
                a = a.substring(colon + 1); // obsolete source route: @relay:user@example.com
            }
        }
        if (!a.isEmpty()) {
            out.add(a);
        }
    }
}
