package org.mailferry.submission;

import java.net.InetAddress;

/**
 * The client as one session knows it: its address, the name it gave in EHLO or HELO, whether it
 * speaks ESMTP, whether TLS is active, and the user it authenticated as. What the command table,
 * the check steps, the Received header and the refusal log lines read.
 */
final class Client {
    private final InetAddress address;
    private final String text;
    private String helo = "";
    private boolean esmtp;
    private boolean tlsActive;
    private String user;

    /** {@code address} null for sendmail -bs (a local client). */
    Client(InetAddress address) {
        this.address = address;
        this.text = address == null ? "local" : "[" + address.getHostAddress() + "]";
    }

    void greeted(String name, boolean extended) {
        helo = name;
        esmtp = extended;
    }

    /** RFC 3207 4.2: after the handshake the client is a stranger that must say EHLO again. */
    void tlsStarted() {
        tlsActive = true;
        helo = "";
        esmtp = false;
    }

    void authenticated(String name) {
        user = name;
    }

    /** Null for sendmail -bs. */
    InetAddress address() {
        return address;
    }

    /** "[192.0.2.1]", or "local" for sendmail -bs. */
    String text() {
        return text;
    }

    String helo() {
        return helo;
    }

    boolean esmtp() {
        return esmtp;
    }

    boolean tlsActive() {
        return tlsActive;
    }

    /** The authenticated user, or null. */
    String user() {
        return user;
    }

    /** Postfix's {@code from=<> to=<> proto= helo=<>} for a log line; {@code to} null when not one recipient. */
    Refusals.Context context(String from, String to) {
        return new Refusals.Context(text, printable(from), to == null ? null : printable(to),
                esmtp ? "ESMTP" : "SMTP", printable(helo));
    }

    /** AUTH comes before any transaction: the log line names the client only. */
    Refusals.Context contextAlone() {
        return new Refusals.Context(text, null, null, null, null);
    }

    /** Client text made safe for a log line or a header: controls, spaces and DEL become '?'. */
    static String printable(String s) {
        return s.replaceAll("[^\\x21-\\x7e\\u0080-\\uffff]", "?");
    }
}
