package org.mailferry.submission;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import org.mailferry.smtp.Reply;

/**
 * The server side of one AUTH command (RFC 4954) with the PLAIN (RFC 4616) and LOGIN mechanisms.
 * The session only calls it after STARTTLS. Credentials are checked against {@link Users} and
 * never kept, logged or echoed; password bytes are wiped after use.
 */
final class SaslExchange {
    /** RFC 4954 4: the longest response line a server must accept. */
    static final int MAX_RESPONSE_OCTETS = 12288;

    /** The session's side: send a challenge, read the client's response line (null at end of stream). */
    interface Channel {
        void send(Reply challenge) throws IOException;

        byte[] readLine() throws IOException;
    }

    /** user is null unless the client authenticated; reply is what to answer. */
    record Result(String user, Reply reply) {
    }

    private SaslExchange() {
    }

    static Result run(String arg, Users users, Channel ch) throws IOException {
        return run(arg, users, null, ch);
    }

    /** With {@code checks} null the password is hashed on the calling thread. */
    static Result run(String arg, Users users, PasswordChecks checks, Channel ch) throws IOException {
        String[] words = arg.strip().split(" +");
        String mechanism = words[0].toUpperCase(Locale.ROOT);
        String initial = words.length > 1 ? words[1] : null;
        return switch (mechanism) {
            case "PLAIN" -> plain(initial, users, checks, ch);
            case "LOGIN" -> login(initial, users, checks, ch);
            default -> new Result(null, Replies.UNKNOWN_MECHANISM);
        };
    }

    private static Result plain(String initial, Users users, PasswordChecks checks, Channel ch) throws IOException {
        byte[] response;
        if (initial == null) {
            ch.send(Replies.PLAIN_CHALLENGE);
            response = ch.readLine();
        } else {
            response = initial.equals("=") ? new byte[0] : initial.getBytes(StandardCharsets.US_ASCII);
        }
        byte[] decoded = decode(response);
        if (decoded == null) {
            return new Result(null,
                    response == null || isCancel(response) ? Replies.AUTH_CANCELLED : Replies.BAD_BASE64);
        }
        // authzid NUL authcid NUL passwd
        int first = indexOf(decoded, 0);
        int second = first < 0 ? -1 : indexOf(decoded, first + 1);
        if (second < 0) {
            Arrays.fill(decoded, (byte) 0);
            return new Result(null, Replies.AUTH_INVALID);
        }
        String authzid = new String(decoded, 0, first, StandardCharsets.UTF_8);
        String user = new String(decoded, first + 1, second - first - 1, StandardCharsets.UTF_8);
        char[] password = PasswordHash.chars(Arrays.copyOfRange(decoded, second + 1, decoded.length));
        Arrays.fill(decoded, (byte) 0);
        return check(authzid.isEmpty() || authzid.equals(user) ? user : null, password, users, checks);
    }

    private static Result login(String initial, Users users, PasswordChecks checks, Channel ch) throws IOException {
        byte[] userBytes;
        if (initial == null) {
            ch.send(Replies.USERNAME_CHALLENGE);
            userBytes = decode(ch.readLine());
        } else {
            userBytes = decode(initial.getBytes(StandardCharsets.US_ASCII));
        }
        if (userBytes == null) {
            return new Result(null, Replies.AUTH_CANCELLED);
        }
        ch.send(Replies.PASSWORD_CHALLENGE);
        byte[] pass = decode(ch.readLine());
        if (pass == null) {
            return new Result(null, Replies.AUTH_CANCELLED);
        }
        char[] password = PasswordHash.chars(pass);
        Arrays.fill(pass, (byte) 0);
        return check(new String(userBytes, StandardCharsets.UTF_8), password, users, checks);
    }

    private static Result check(String user, char[] password, Users users, PasswordChecks checks) {
        try {
            if (checks != null) {
                return switch (checks.verify(users, user == null ? "" : user, password)) {
                    case MATCH -> user != null ? new Result(user, Replies.AUTH_OK)
                            : new Result(null, Replies.AUTH_INVALID);
                    case NO_MATCH -> new Result(null, Replies.AUTH_INVALID);
                    case BUSY -> new Result(null, Replies.AUTH_BUSY);
                };
            }
            if (user != null && users.verify(user, password)) {
                return new Result(user, Replies.AUTH_OK);
            }
            return new Result(null, Replies.AUTH_INVALID);
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static boolean isCancel(byte[] line) {
        return line.length == 1 && line[0] == '*';
    }

    /** Null for "*" (cancel), end of stream or bad Base64. */
    private static byte[] decode(byte[] line) {
        if (line == null || isCancel(line)) {
            return null;
        }
        try {
            return Base64.getDecoder().decode(line);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }
}
