package org.mailferry.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The RFC 3461 DSN parameters of MAIL (RET, ENVID) and RCPT (NOTIFY, ORCPT): checked and decoded
 * as they arrive on our listener, encoded again when passed on to a smarthost that offers DSN.
 * Stored forms: RET "FULL" or "HDRS"; ENVID decoded text; NOTIFY "NEVER" or a comma list in the
 * order SUCCESS, FAILURE, DELAY; ORCPT "addr-type;decoded address". Empty means not given.
 */
public final class DsnParameters {
    public static final String SUCCESS = "SUCCESS";
    public static final String FAILURE = "FAILURE";
    public static final String DELAY = "DELAY";
    public static final String NEVER = "NEVER";
    static final int MAX_ENVID = 100;
    static final int MAX_ORCPT = 500;

    /** A malformed parameter value, with a reply text for the client. */
    public static final class SyntaxException extends Exception {
        public SyntaxException(String message) {
            super(message);
        }
    }

    private DsnParameters() {
    }

    /** RET=FULL|HDRS (RFC 3461 4.3), upper-cased. */
    public static String ret(String value) throws SyntaxException {
        String v = value.toUpperCase(Locale.ROOT);
        if (!v.equals("FULL") && !v.equals("HDRS")) {
            throw new SyntaxException("RET must be FULL or HDRS");
        }
        return v;
    }

    /** ENVID=xtext (RFC 3461 4.4), decoded; at most 100 characters. */
    public static String envId(String value) throws SyntaxException {
        if (value.isEmpty() || value.length() > MAX_ENVID) {
            throw new SyntaxException("ENVID must be 1 to " + MAX_ENVID + " characters of xtext");
        }
        return decodeXtext(value, "ENVID");
    }

    /** NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY (RFC 3461 4.1), in canonical order. */
    public static String notify(String value) throws SyntaxException {
        boolean success = false;
        boolean failure = false;
        boolean delay = false;
        boolean never = false;
        for (String word : value.toUpperCase(Locale.ROOT).split(",", -1)) {
            switch (word) {
                case SUCCESS -> success = true;
                case FAILURE -> failure = true;
                case DELAY -> delay = true;
                case NEVER -> never = true;
                default -> throw new SyntaxException("NOTIFY must be NEVER or a list of SUCCESS, FAILURE, DELAY");
            }
        }
        if (never && (success || failure || delay)) {
            throw new SyntaxException("NOTIFY=NEVER cannot be combined with other values");
        }
        if (never) {
            return NEVER;
        }
        StringBuilder sb = new StringBuilder();
        for (String w : new String[] {success ? SUCCESS : null, failure ? FAILURE : null, delay ? DELAY : null}) {
            if (w != null) {
                sb.append(sb.isEmpty() ? "" : ",").append(w);
            }
        }
        return sb.toString();
    }

    /** ORCPT=addr-type;xtext (RFC 3461 4.2): returns "addr-type;decoded address". */
    public static String orcpt(String value) throws SyntaxException {
        int semi = value.indexOf(';');
        if (value.length() > MAX_ORCPT || semi <= 0 || semi == value.length() - 1) {
            throw new SyntaxException("ORCPT must be addr-type;xtext, e.g. ORCPT=rfc822;user@example.com");
        }
        String type = value.substring(0, semi);
        for (int i = 0; i < type.length(); i++) {
            char c = type.charAt(i);
            if (c > 126 || !(Character.isLetterOrDigit(c) || "!#$%&'*+/=?^_`{|}~-".indexOf(c) >= 0)) {
                throw new SyntaxException("ORCPT address type must be an atom such as rfc822");
            }
        }
        return type + ";" + decodeXtext(value.substring(semi + 1), "ORCPT");
    }

    /** True when a stored NOTIFY value asks for {@code kind}; not given means FAILURE,DELAY (as Postfix). */
    public static boolean wants(String notify, String kind) {
        if (notify.isEmpty()) {
            return !kind.equals(SUCCESS);
        }
        return notify.equals(kind) || notify.startsWith(kind + ",") || notify.endsWith("," + kind)
                || notify.contains("," + kind + ",");
    }

    /** The ORCPT parameter value for a stored "addr-type;address". */
    public static String orcptParameter(String stored) {
        int semi = stored.indexOf(';');
        return stored.substring(0, semi) + ";" + encodeXtext(stored.substring(semi + 1));
    }

    /** xtext (RFC 3461 4): printable ASCII except '+' and '=' as is, every other octet as +XX. */
    public static String encodeXtext(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 33 && c <= 126 && c != '+' && c != '=') {
                sb.append((char) c);
            } else {
                sb.append('+').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return sb.toString();
    }

    static String decodeXtext(String xtext, String name) throws SyntaxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                int hi = hex(xtext, i + 1);
                int lo = hex(xtext, i + 2);
                if (hi < 0 || lo < 0) {
                    throw new SyntaxException(name + ": '+' must be followed by two hex digits (xtext)");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c < 33 || c > 126 || c == '=') {
                throw new SyntaxException(name + ": invalid character in xtext; encode it as +XX");
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(String s, int i) {
        return i < s.length() ? Character.digit(s.charAt(i), 16) : -1;
    }
}
