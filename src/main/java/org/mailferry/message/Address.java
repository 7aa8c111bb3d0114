package org.mailferry.message;

/**
 * An envelope address (RFC 5321 mailbox) as given in MAIL FROM or RCPT TO, without angle brackets.
 * The empty address is the null sender {@code <>}.
 */
public record Address(String value) {
    public static final Address NULL_SENDER = new Address("");

    public Address {
        if (value == null) {
            throw new IllegalArgumentException("address is null");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>') {
                throw new IllegalArgumentException("invalid character in address");
            }
        }
    }

    public boolean isNull() {
        return value.isEmpty();
    }

    /** True when the address needs SMTPUTF8 (any non-ASCII character). */
    public boolean isInternational() {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) > 0x7f) {
                return true;
            }
        }
        return false;
    }

    public String domain() {
        int at = value.lastIndexOf('@');
        return at < 0 ? "" : value.substring(at + 1);
    }

    /** The address in angle brackets, as written in SMTP commands and log lines. */
    public String bracketed() {
        return "<" + value + ">";
    }

    @Override
    public String toString() {
        return bracketed();
    }
}
