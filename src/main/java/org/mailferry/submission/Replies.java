package org.mailferry.submission;

import java.util.ArrayList;
import java.util.List;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * Every reply the listener sends, in one place: its code, its enhanced status (RFC 3463) and its
 * text. Constants for fixed texts, factories where the text names something (a verb, an address, a
 * limit, a queue id). The greeting, the EHLO and HELO replies, 354 and the AUTH challenges (334)
 * carry no enhanced status, as RFC 2034 and Postfix have it. The texts are Postfix's where it has one.
 */
final class Replies {
    private static volatile Reply lastGreeting;

    private Replies() {
    }

    // Greeting, EHLO/HELO, and the commands that always succeed
    static final Reply OK = Reply.of(250, EnhancedStatus.OK, "Ok");
    static final Reply CLOSING = Reply.of(221, EnhancedStatus.CLOSING, "Bye");
    static final Reply HELP = new Reply(214, EnhancedStatus.OK, List.of(
            "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP",
            "See RFC 5321"));
    static final Reply CANNOT_VERIFY = Reply.of(252, EnhancedStatus.CANNOT_VERIFY,
            "Cannot VRFY user, but will accept message and attempt delivery");

    static Reply greeting(String hostname) {
        Reply last = lastGreeting; // one per connection, the same until a reload renames the host
        if (last == null || !last.lines().get(0).equals(hostname + " ESMTP Mailferry")) {
            last = new Reply(220, null, List.of(hostname + " ESMTP Mailferry"));
            lastGreeting = last;
        }
        return last;
    }

    static Reply helo(String hostname) {
        return new Reply(250, null, List.of(hostname));
    }

    /** The EHLO reply: the extensions offered, STARTTLS before TLS, AUTH only over it and with users. */
    static Reply ehlo(String hostname, long maxMessageSizeBytes, boolean startTls, boolean auth) {
        List<String> lines = new ArrayList<>(List.of(hostname, "PIPELINING", "SIZE " + maxMessageSizeBytes,
                "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8", "DSN"));
        if (startTls) {
            lines.add("STARTTLS");
        }
        if (auth) {
            lines.add("AUTH PLAIN LOGIN");
        }
        lines.add("HELP");
        return new Reply(250, null, lines);
    }

    // The command line itself, and the command table (Command): unknown, not offered, out of sequence
    static final Reply LINE_TOO_LONG = Reply.of(500, EnhancedStatus.LINE_TOO_LONG, "Line too long");
    static final Reply NUL_IN_COMMAND = Reply.of(500, EnhancedStatus.SYNTAX, "NUL character in command");
    static final Reply INVALID_UTF8 = Reply.of(500, EnhancedStatus.SYNTAX, "Invalid UTF-8 in command");
    static final Reply UNKNOWN_COMMAND = Reply.of(500, EnhancedStatus.UNKNOWN_COMMAND, "Command unrecognized");
    static final Reply NOT_IMPLEMENTED = Reply.of(502, EnhancedStatus.UNKNOWN_COMMAND, "Command not implemented");
    static final Reply NEED_HELO = Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "Send EHLO or HELO first");
    static final Reply NEED_MAIL = Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "Need MAIL command first");
    static final Reply NESTED_MAIL = Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "Nested MAIL command");
    static final Reply NO_VALID_RECIPIENTS = Reply.of(554, EnhancedStatus.BAD_SEQUENCE, "No valid recipients");
    static final Reply AUTH_IN_TRANSACTION = Reply.of(503, EnhancedStatus.BAD_SEQUENCE,
            "AUTH not allowed during a mail transaction");
    static final Reply TLS_ALREADY_ACTIVE = Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "TLS already active");
    static final Reply TOO_MANY_ERRORS = Reply.of(421, EnhancedStatus.TEMP_PROTOCOL,
            "Too many errors, closing connection");
    static final Reply TIMEOUT = Reply.of(421, EnhancedStatus.TEMP_TIMEOUT, "Timeout exceeded, closing connection");

    /** "Syntax: EHLO hostname", "Syntax: VRFY &lt;address&gt;". */
    static Reply syntax(String verb, String argument) {
        return Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "Syntax: " + verb + " " + argument);
    }

    static Reply takesNoArguments(String verb) {
        return Reply.of(501, EnhancedStatus.BAD_PARAMETERS, verb + " takes no arguments");
    }

    // STARTTLS and AUTH (RFC 3207, RFC 4954)
    static final Reply READY_TO_START_TLS = Reply.of(220, EnhancedStatus.OK, "Ready to start TLS");
    static final Reply AUTH_OK = Reply.of(235, EnhancedStatus.AUTH_OK, "Authentication successful");
    static final Reply AUTH_INVALID = Reply.of(535, EnhancedStatus.AUTH_INVALID,
            "Authentication credentials invalid");
    static final Reply ENCRYPTION_REQUIRED = Reply.of(538, EnhancedStatus.ENCRYPTION_REQUIRED,
            "Encryption required for requested authentication mechanism; use STARTTLS first");
    static final Reply AUTH_CANCELLED = Reply.of(501, EnhancedStatus.AUTH_REQUIRED, "Authentication cancelled");
    static final Reply BAD_BASE64 = Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "Invalid base64 data");
    static final Reply UNKNOWN_MECHANISM = Reply.of(504, EnhancedStatus.BAD_PARAMETERS,
            "Unrecognized authentication mechanism; use PLAIN or LOGIN");
    /** The password-check pool's queue is full ({@link PasswordChecks}); the client may try again. */
    static final Reply AUTH_BUSY = Reply.of(454, EnhancedStatus.AUTH_TEMPORARY, "Temporary authentication failure");
    static final Reply ALREADY_AUTHENTICATED = Reply.of(503, EnhancedStatus.BAD_SEQUENCE, "Already authenticated");
    static final Reply PLAIN_CHALLENGE = new Reply(334, null, List.of(""));
    static final Reply USERNAME_CHALLENGE = new Reply(334, null, List.of("VXNlcm5hbWU6")); // "Username:"
    static final Reply PASSWORD_CHALLENGE = new Reply(334, null, List.of("UGFzc3dvcmQ6")); // "Password:"

    /** A failed AUTH as Postfix logs it ("SASL PLAIN authentication failed"); the client gets AUTH_INVALID. */
    static Reply saslFailed(String mechanism) {
        return Reply.of(AUTH_INVALID.code(), AUTH_INVALID.status(), "SASL " + mechanism + " authentication failed");
    }

    // MAIL and RCPT, and their parameters (EnvelopeParameters)
    static final Reply SENDER_OK = Reply.of(250, EnhancedStatus.SENDER_OK, "Ok");
    static final Reply RECIPIENT_OK = Reply.of(250, EnhancedStatus.DESTINATION_OK, "Ok");
    static final Reply EMPTY_RECIPIENT = Reply.of(501, EnhancedStatus.BAD_DESTINATION_SYNTAX,
            "Empty recipient address");
    static final Reply NEEDS_SMTPUTF8 = Reply.of(553, EnhancedStatus.NEEDS_SMTPUTF8,
            "Non-ASCII address requires SMTPUTF8");
    static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, EnhancedStatus.TEMP_TOO_MANY_RECIPIENTS,
            "Too many recipients");
    static final Reply BAD_SIZE = Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "Bad SIZE value");
    static final Reply BAD_BODY = Reply.of(501, EnhancedStatus.BAD_PARAMETERS, "BODY must be 7BIT or 8BITMIME");
    static final Reply SMTPUTF8_TAKES_NO_VALUE = Reply.of(501, EnhancedStatus.BAD_PARAMETERS,
            "SMTPUTF8 takes no value");

    /** The path after FROM: is not an address (the parser's message says why). */
    static Reply badSender(String why) {
        return Reply.of(501, EnhancedStatus.BAD_SENDER_SYNTAX, why);
    }

    /** The path after TO: is not an address (the parser's message says why). */
    static Reply badRecipient(String why) {
        return Reply.of(501, EnhancedStatus.BAD_DESTINATION_SYNTAX, why);
    }

    /** "MAIL parameters need EHLO": a HELO client sent ESMTP parameters. */
    static Reply parametersNeedEhlo(String verb) {
        return Reply.of(555, EnhancedStatus.BAD_PARAMETERS, verb + " parameters need EHLO");
    }

    static Reply unsupportedParameter(String verb, String name) {
        return Reply.of(555, EnhancedStatus.BAD_PARAMETERS, "Unsupported " + verb + " parameter " + name);
    }

    /** A DSN parameter (RET, ENVID, NOTIFY, ORCPT) is malformed (the parser's message says how). */
    static Reply badDsnParameter(String why) {
        return Reply.of(501, EnhancedStatus.BAD_PARAMETERS, why);
    }

    static Reply sizeOverLimit(long maxMessageSizeBytes) {
        return Reply.of(552, EnhancedStatus.TOO_BIG, "Message size exceeds fixed limit of " + maxMessageSizeBytes
                + " bytes");
    }

    /** {@code recipient} as the client wrote it, bracketed and made printable. */
    static Reply relayDenied(String recipient) {
        return Reply.of(554, EnhancedStatus.RELAY_DENIED, recipient + ": Relay access denied");
    }

    // DATA
    static final Reply START_DATA = new Reply(354, null, List.of("End data with <CR><LF>.<CR><LF>"));
    static final Reply TOO_BIG = Reply.of(552, EnhancedStatus.TOO_BIG, "Message size exceeds fixed limit");
    static final Reply BARE_LINE_ENDING = Reply.of(550, EnhancedStatus.BARE_LINE_ENDING,
            "Message refused: bare <CR> or <LF> in data; lines must end with <CR><LF>");
    static final Reply NUL_IN_DATA = Reply.of(550, EnhancedStatus.MEDIA_ERROR,
            "Message refused: NUL character in data");
    static final Reply DATA_LINE_TOO_LONG = Reply.of(550, EnhancedStatus.MEDIA_ERROR,
            "Message refused: a line exceeds 998 characters (RFC 5321 4.5.3.1.6)");
    /** A spool failure never tells the client more (STYLE: no internals in replies). */
    static final Reply SPOOL_FAILURE = Reply.of(451, EnhancedStatus.TEMP_LOCAL_ERROR,
            "Local error in processing, try again later");
    static final Reply SPOOL_FULL = Reply.of(452, EnhancedStatus.TEMP_STORAGE_FULL,
            "Insufficient system storage, try again later");

    /** {@code queuedAs} is the spool's "queued as ID". */
    static Reply queued(String queuedAs) {
        return Reply.of(250, EnhancedStatus.OK, "Ok: " + queuedAs);
    }

    // The listener, before or instead of a session
    static final Reply TOO_MANY_CONNECTIONS = Reply.of(421, EnhancedStatus.TEMP_TOO_MANY_CONNECTIONS,
            "Too many connections, try again later");
    static final Reply EVICTED = Reply.of(421, EnhancedStatus.TEMP_TOO_MANY_CONNECTIONS,
            "Idle too long while others wait, closing connection");
}
