package org.mailferry.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Reads sendmail's authinfo text file as it is (no makemap step):
 * <pre>
 * # comment
 * AuthInfo:smtp.example.com:587 "U:user" "P:password" "M:LOGIN PLAIN"
 * AuthInfo:relay.example.net "U:user" "P=cGFzc3dvcmQ=" "R:example.net"
 * AuthInfo: "U:fallback" "P:secret"
 * </pre>
 * Fields: {@code U:} user (authorization) id, {@code I:} authentication id, {@code P:} password,
 * {@code P=} base64 password, {@code R:} realm, {@code M:} mechanisms separated by spaces. A field
 * is written in double quotes (inside them {@code \"} and {@code \\} escape) or bare when it has no
 * space. Error messages name the file and line but never repeat the line: it holds a password.
 */
public final class AuthinfoFile {
    private AuthinfoFile() {
    }

    public static List<AuthinfoEntry> parse(String file, String text) throws ConfigException {
        List<AuthinfoEntry> out = new ArrayList<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            out.add(entry(file, i + 1, line));
        }
        return List.copyOf(out);
    }

    private static AuthinfoEntry entry(String file, int lineNo, String line) throws ConfigException {
        if (!line.regionMatches(true, 0, "AuthInfo:", 0, 9)) {
            throw ConfigException.at(file, lineNo, "an authinfo line starts with AuthInfo:host[:port], e.g. "
                    + "AuthInfo:smtp.example.com:587 \"U:user\" \"P:password\" \"M:LOGIN PLAIN\"");
        }
        int end = 9;
        while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
            end++;
        }
        String key = line.substring(9, end);
        String host = key;
        int port = 0;
        int colon = key.lastIndexOf(':');
        if (colon >= 0 && (key.startsWith("[") ? key.lastIndexOf(']') < colon : key.indexOf(':') == colon)) {
            host = key.substring(0, colon);
            try {
                port = Integer.parseInt(key.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw ConfigException.at(file, lineNo, "the port after AuthInfo:" + host + ": must be a number "
                        + "from 1 to 65535");
            }
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String user = null;
        String authId = null;
        Secret password = null;
        String realm = "";
        List<String> mechanisms = List.of();
        for (String field : fields(file, lineNo, line.substring(end))) {
            if (field.length() < 2 || (field.charAt(1) != ':' && field.charAt(1) != '=')) {
                throw ConfigException.at(file, lineNo, "each field looks like \"U:user\", \"I:authid\", "
                        + "\"P:password\", \"P=base64\", \"R:realm\" or \"M:MECH ...\"");
            }
            String value = field.substring(2);
            switch (field.substring(0, 2).toUpperCase(Locale.ROOT)) {
                case "U:" -> user = value;
                case "I:" -> authId = value;
                case "P:" -> password = new Secret(value);
                case "P=" -> password = new Secret(base64(file, lineNo, value));
                case "R:" -> realm = value;
                case "M:" -> mechanisms = List.of(value.toUpperCase(Locale.ROOT).strip().split("\\s+"));
                default -> throw ConfigException.at(file, lineNo, "unknown field '" + field.substring(0, 2)
                        + "'; authinfo knows U: I: P: P= R: M:");
            }
        }
        if (user == null && authId == null) {
            throw ConfigException.at(file, lineNo, "no user: add \"U:username\"");
        }
        if (password == null) {
            throw ConfigException.at(file, lineNo, "no password: add \"P:password\" (or \"P=base64\")");
        }
        String login = authId != null ? authId : user;
        String authz = authId != null && user != null && !user.equals(authId) ? user : "";
        return new AuthinfoEntry(host.toLowerCase(Locale.ROOT), port, login, authz, password, realm, mechanisms,
                file + ":" + lineNo);
    }

    private static String base64(String file, int lineNo, String value) throws ConfigException {
        try {
            return new String(Base64.getMimeDecoder().decode(value), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ConfigException.at(file, lineNo, "the P= field is not valid base64; write P:password for a "
                    + "plain password");
        }
    }

    /** Splits sendmail-style fields: "quoted with \" escapes" or bare words. */
    static List<String> fields(String file, int lineNo, String s) throws ConfigException {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            StringBuilder f = new StringBuilder();
            if (c == '"') {
                i++;
                boolean closed = false;
                while (i < s.length()) {
                    char d = s.charAt(i++);
                    if (d == '\\' && i < s.length()) {
                        f.append(s.charAt(i++));
                    } else if (d == '"') {
                        closed = true;
                        break;
                    } else {
                        f.append(d);
                    }
                }
                if (!closed) {
                    throw ConfigException.at(file, lineNo, "a quote is not closed; end the field with \"");
                }
            } else {
                while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
                    f.append(s.charAt(i++));
                }
            }
            out.add(f.toString());
        }
        return out;
    }
}
