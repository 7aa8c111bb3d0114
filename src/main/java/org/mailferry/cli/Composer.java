package org.mailferry.cli;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.mailferry.submission.Drop;

/**
 * Makes the envelope and the finished message from the command line and standard input, as
 * sendmail does: recipients from the arguments plus, with -t, from To/Cc/Bcc; Bcc removed; a
 * missing Date, Message-ID and From added; unqualified addresses completed with the origin domain.
 */
final class Composer {

    /** The message or the arguments cannot make a valid envelope; {@code exitCode} says whose fault. */
    static final class RefusedException extends Exception {
        final int exitCode;

        RefusedException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** The envelope and the finished message, whose body is still to be read ({@link MessageText#stream}). */
    record Composed(String sender, List<String> recipients, String dsnNotify, String ret, String envId,
                    MessageText text) {
        /** The envelope as the daemon's spool takes it, with the body streamed after it. */
        Drop.Head head() {
            return new Drop.Head(sender, recipients, dsnNotify, ret, envId, -1,
                    java.util.Collections.nCopies(recipients.size(), new Drop.RecipientDsn("", "")));
        }

        /** The whole drop in memory: the sendmail command's own process hands it over so. */
        Drop toDrop() throws java.io.IOException {
            return new Drop(sender, recipients, dsnNotify, ret, envId, text.toBytes());
        }
    }

    private final String user;
    private final String originDomain;
    private final java.util.TimeZone zone;

    Composer(String user, String originDomain) {
        this(user, originDomain, java.util.TimeZone.getDefault());
    }

    /** {@code zone}: the Date header's time zone (the daemon composes with its client's). */
    Composer(String user, String originDomain, java.util.TimeZone zone) {
        this.user = user;
        this.originDomain = originDomain;
        this.zone = zone;
    }

    Composed compose(SendmailOptions o, MessageText m, long nowMillis) throws RefusedException {
        String sender = sender(o.sender());
        Set<String> rcpts = new LinkedHashSet<>();
        for (String arg : o.recipients()) {
            for (String a : AddressList.parse(arg)) {
                rcpts.add(qualify(checked(a, Sysexits.EX_USAGE, "recipient")));
            }
        }
        if (o.extractRecipients()) {
            for (String a : m.addresses("To", "Cc", "Bcc")) {
                rcpts.add(qualify(checked(a, Sysexits.EX_DATAERR, "header recipient")));
            }
        }
        if (rcpts.isEmpty()) {
            throw o.extractRecipients()
                    ? new RefusedException(Sysexits.EX_DATAERR, "no recipient addresses found in the message header "
                    + "(To, Cc, Bcc) or on the command line")
                    : new RefusedException(Sysexits.EX_USAGE, "no recipients given; name them as arguments or use -t "
                    + "to read them from To, Cc and Bcc");
        }
        m.remove("Bcc");
        if (!m.has("From")) {
            String fromAddress = sender.isEmpty() ? user + "@" + originDomain : sender;
            String name = o.fullName() != null ? o.fullName() : gecos();
            m.add("From", name == null || name.isBlank() ? fromAddress : displayName(name) + " <" + fromAddress + ">");
        }
        if (!m.has("Date")) {
            m.add("Date", MessageDate.format(nowMillis, zone.getOffset(nowMillis)));
        }
        if (!m.has("Message-ID")) {
            m.add("Message-ID", "<" + nowMillis + "." + pid() + "."
                    + Long.toString(System.nanoTime() & Long.MAX_VALUE, 36) + "@" + originDomain + ">"); // not ThreadLocalRandom: its set-up spins lambdas
        }
        return new Composed(sender, List.copyOf(rcpts), o.dsnNotify(), o.dsnRet(), o.envId(), m);
    }

    /** The process id from /proc/self; ProcessHandle's set-up (an executor, lambdas) would cost start-up time. */
    private static String pid() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self")).toString();
        } catch (java.io.IOException | RuntimeException e) {
            return Long.toString(ProcessHandle.current().pid());
        }
    }

    private String sender(String given) throws RefusedException {
        if (given == null) {
            return user + "@" + originDomain;
        }
        String s = given.strip();
        if (s.equals("<>") || s.isEmpty()) {
            return "";
        }
        List<String> parsed = AddressList.parse(s);
        if (parsed.size() != 1) {
            throw new RefusedException(Sysexits.EX_USAGE, "-f " + given + ": give exactly one sender address");
        }
        return qualify(checked(parsed.get(0), Sysexits.EX_USAGE, "sender (-f)"));
    }

    private static String checked(String a, int exit, String what) throws RefusedException {
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == ' ') {
                throw new RefusedException(exit, what + " '" + a + "' is not a valid address");
            }
        }
        return a;
    }

    private String qualify(String a) {
        return a.indexOf('@') < 0 ? a + "@" + originDomain : a;
    }

    /** "Jane Doe" stays; specials get quotes; non-ASCII becomes an RFC 2047 encoded word. */
    static String displayName(String name) {
        boolean ascii = true;
        boolean special = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c > 0x7e) {
                ascii = false;
            } else if ("()<>[]:;@\\,.\"".indexOf(c) >= 0) {
                special = true;
            }
        }
        if (!ascii) {
            return "=?UTF-8?B?" + Base64.getEncoder().encodeToString(name.getBytes(StandardCharsets.UTF_8)) + "?=";
        }
        return special ? "\"" + name.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : name;
    }

    /** The user's full name from /etc/passwd (GECOS, up to the first comma), as sendmail uses it. */
    private String gecos() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/etc/passwd"))) {
                if (line.startsWith(user + ":")) {
                    String[] f = line.split(":", -1);
                    if (f.length > 4) {
                        String g = f[4];
                        int comma = g.indexOf(',');
                        g = comma >= 0 ? g.substring(0, comma) : g;
                        return g.replace("&", user).strip();
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        return null;
    }
}
