package org.mailferry.smtp;

import org.jspecify.annotations.Nullable;

/** An RFC 3463 enhanced status code, class.subject.detail. */
public record EnhancedStatus(int klass, int subject, int detail) {
    public static final EnhancedStatus OK = new EnhancedStatus(2, 0, 0);
    public static final EnhancedStatus SENDER_OK = new EnhancedStatus(2, 1, 0);
    public static final EnhancedStatus DESTINATION_OK = new EnhancedStatus(2, 1, 5);
    public static final EnhancedStatus CANNOT_VERIFY = new EnhancedStatus(2, 5, 2);
    public static final EnhancedStatus CLOSING = new EnhancedStatus(2, 0, 0);
    public static final EnhancedStatus TEMP_LOCAL_ERROR = new EnhancedStatus(4, 3, 0);
    public static final EnhancedStatus TEMP_STORAGE_FULL = new EnhancedStatus(4, 3, 1);
    public static final EnhancedStatus TEMP_SHUTDOWN = new EnhancedStatus(4, 3, 2);
    public static final EnhancedStatus TEMP_TOO_MANY_CONNECTIONS = new EnhancedStatus(4, 7, 0);
    public static final EnhancedStatus TEMP_TIMEOUT = new EnhancedStatus(4, 4, 2);
    public static final EnhancedStatus TEMP_NETWORK = new EnhancedStatus(4, 4, 1);
    public static final EnhancedStatus TEMP_ROUTING = new EnhancedStatus(4, 4, 4);
    public static final EnhancedStatus TEMP_TOO_MANY_RECIPIENTS = new EnhancedStatus(4, 5, 3);
    public static final EnhancedStatus TEMP_PROTOCOL = new EnhancedStatus(4, 5, 0);
    public static final EnhancedStatus SYNTAX = new EnhancedStatus(5, 5, 2);
    public static final EnhancedStatus BAD_SEQUENCE = new EnhancedStatus(5, 5, 1);
    public static final EnhancedStatus BAD_PARAMETERS = new EnhancedStatus(5, 5, 4);
    public static final EnhancedStatus UNKNOWN_COMMAND = new EnhancedStatus(5, 5, 1);
    public static final EnhancedStatus BAD_SENDER_SYNTAX = new EnhancedStatus(5, 1, 7);
    public static final EnhancedStatus BAD_DESTINATION_SYNTAX = new EnhancedStatus(5, 1, 3);
    public static final EnhancedStatus TOO_BIG = new EnhancedStatus(5, 3, 4);
    public static final EnhancedStatus MEDIA_ERROR = new EnhancedStatus(5, 6, 0);
    public static final EnhancedStatus NEEDS_SMTPUTF8 = new EnhancedStatus(5, 6, 7);
    public static final EnhancedStatus BARE_LINE_ENDING = new EnhancedStatus(5, 6, 11);
    public static final EnhancedStatus LINE_TOO_LONG = new EnhancedStatus(5, 5, 2);
    public static final EnhancedStatus RELAY_DENIED = new EnhancedStatus(5, 7, 1);
    public static final EnhancedStatus AUTH_OK = new EnhancedStatus(2, 7, 0);
    public static final EnhancedStatus AUTH_REQUIRED = new EnhancedStatus(5, 7, 0);
    public static final EnhancedStatus AUTH_INVALID = new EnhancedStatus(5, 7, 8);
    public static final EnhancedStatus AUTH_TEMPORARY = new EnhancedStatus(4, 7, 0);
    public static final EnhancedStatus ENCRYPTION_REQUIRED = new EnhancedStatus(5, 7, 11);
    public static final EnhancedStatus TEMP_TLS_UNAVAILABLE = new EnhancedStatus(4, 7, 0);
    public static final EnhancedStatus PERM_PROTOCOL = new EnhancedStatus(5, 5, 0);
    public static final EnhancedStatus PERM_OTHER = new EnhancedStatus(5, 0, 0);

    public EnhancedStatus {
        if (klass != 2 && klass != 4 && klass != 5) {
            throw new IllegalArgumentException("enhanced status class must be 2, 4 or 5: " + klass);
        }
        if (subject < 0 || subject > 999 || detail < 0 || detail > 999) {
            throw new IllegalArgumentException("enhanced status out of range");
        }
    }

    /** Parses "4.7.0"; returns null when {@code s} is not an enhanced status code. */
    public static @Nullable EnhancedStatus parse(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            int k = Integer.parseInt(parts[0]);
            int sub = Integer.parseInt(parts[1]);
            int det = Integer.parseInt(parts[2]);
            if ((k != 2 && k != 4 && k != 5) || parts[1].length() > 3 || parts[2].length() > 3
                    || sub < 0 || det < 0) {
                return null;
            }
            return new EnhancedStatus(k, sub, det);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return klass + "." + subject + "." + detail;
    }
}
