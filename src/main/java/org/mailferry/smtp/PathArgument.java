package org.mailferry.smtp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.mailferry.message.Address;

/**
 * The argument of MAIL FROM and RCPT TO: {@code FROM:<path> KEY=VALUE ...}. Checks the address
 * syntax (RFC 5321 4.1.2, with RFC 6531 UTF-8 allowed) and splits the ESMTP parameters, whose
 * keywords are upper-cased.
 */
public record PathArgument(Address address, Map<String, String> parameters) {

    /** A syntax problem, with a reply text for the client. */
    public static final class SyntaxException extends Exception {
        public SyntaxException(String message) {
            super(message);
        }
    }

    public static PathArgument parse(String argument, String keyword) throws SyntaxException {
        String prefix = keyword + ":";
        if (argument.length() < prefix.length() || !argument.regionMatches(true, 0, prefix, 0, prefix.length())) {
            throw new SyntaxException("Syntax: " + (keyword.equals("FROM") ? "MAIL" : "RCPT") + " " + keyword + ":<address>");
        }
        String rest = argument.substring(prefix.length()).stripLeading();
        if (!rest.startsWith("<")) {
            throw new SyntaxException("Address must be in angle brackets: " + keyword + ":<address>");
        }
        int close = findClose(rest);
        if (close < 0) {
            throw new SyntaxException("Missing '>' after the address");
        }
        String path = rest.substring(1, close);
        // Source routes (<@a,@b:user@c>) are obsolete; RFC 5321 says to ignore them.
        if (path.startsWith("@")) {
            int colon = path.indexOf(':');
            if (colon < 0) {
                throw new SyntaxException("Bad source route in address");
            }
            path = path.substring(colon + 1);
        }
        checkMailbox(path);
        Map<String, String> params = new LinkedHashMap<>();
        String tail = rest.substring(close + 1);
        if (!tail.isEmpty() && tail.charAt(0) != ' ') {
            throw new SyntaxException("Expected a space after the address");
        }
        for (String p : tail.trim().split(" +")) {
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String key = (eq < 0 ? p : p.substring(0, eq)).toUpperCase(Locale.ROOT);
            String value = eq < 0 ? null : p.substring(eq + 1);
            if (key.isEmpty() || !key.chars().allMatch(ch -> Character.isLetterOrDigit(ch) && ch < 0x80 || ch == '-')) {
                throw new SyntaxException("Bad parameter: " + p);
            }
            if (params.putIfAbsent(key, value == null ? "" : value) != null) {
                throw new SyntaxException("Duplicate parameter: " + key);
            }
        }
        Address address;
        try {
            address = new Address(path);
        } catch (IllegalArgumentException e) { // a control character or <> inside a quoted local part
            throw new SyntaxException("Invalid character in address");
        }
        return new PathArgument(address, params);
    }

    private static int findClose(String s) {
        boolean quoted = false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == '>' && !quoted) {
                return i;
            }
        }
        return -1;
    }

    /** Empty (null sender) or local-part@domain; "postmaster" alone is allowed too. */
    private static void checkMailbox(String path) throws SyntaxException {
        if (path.isEmpty() || path.equalsIgnoreCase("postmaster")) {
            return;
        }
        if (path.length() > 254 + 2) {
            throw new SyntaxException("Address too long");
        }
        int at = path.lastIndexOf('@');
        if (at <= 0 || at == path.length() - 1) {
            throw new SyntaxException("Address must be local-part@domain");
        }
        String local = path.substring(0, at);
        String domain = path.substring(at + 1);
        if (local.length() > 64 && !local.startsWith("\"")) {
            throw new SyntaxException("Local part longer than 64 characters");
        }
        if (local.startsWith("\"")) {
            if (local.length() < 2 || !local.endsWith("\"")) {
                throw new SyntaxException("Unterminated quoted local part");
            }
        } else {
            for (int i = 0; i < local.length(); i++) {
                char c = local.charAt(i);
                if (c <= ' ' || "()<>[]:;@\\,\"".indexOf(c) >= 0 || c == 0x7f) {
                    throw new SyntaxException("Invalid character in local part");
                }
            }
            if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
                throw new SyntaxException("Misplaced dot in local part");
            }
        }
        if (domain.startsWith("[")) {
            if (!domain.endsWith("]") || domain.length() < 3) {
                throw new SyntaxException("Bad address literal");
            }
            return;
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                throw new SyntaxException("Invalid domain");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(Character.isLetterOrDigit(c) || c == '-' || c > 0x7f)) {
                    throw new SyntaxException("Invalid character in domain");
                }
            }
        }
    }
}
