package org.mailferry.submission;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.queue.EnvelopeCodec;

/**
 * A message handed over by the {@code sendmail} command: envelope fields and the finished message
 * (CRLF lines, headers completed). One format for both ways in: the frame on the submit socket and
 * the file in the maildrop. Text header lines, percent-encoded values, then {@code body N} and N
 * raw bytes:
 * <pre>
 *   mailferry-drop 1
 *   sender alice@example.org
 *   rcpt bob@example.com
 *   rcpt-notify FAILURE         (optional, for the rcpt above: its RCPT NOTIFY in sendmail -bs)
 *   rcpt-orcpt rfc822;b@x.org   (optional, for the rcpt above: its RCPT ORCPT in sendmail -bs)
 *   notify SUCCESS,FAILURE      (sendmail -N; empty: the smarthost's default)
 *   ret HDRS                    (sendmail -R)
 *   envid abc                   (sendmail -V)
 *   body 1234
 *   ...1234 bytes...
 * </pre>
 * Library-free: the sendmail command encodes it.
 */
public record Drop(String sender, List<String> recipients, String dsnNotify, String ret, String envId, byte[] body,
                   List<RecipientDsn> recipientDsn) {
    /** One recipient's own DSN parameters ("" for none: the drop's notify applies). */
    public record RecipientDsn(String notifyOn, String orcpt) {
        static final RecipientDsn NONE = new RecipientDsn("", "");
    }

    static final String MAGIC = "mailferry-drop 1";
    /** No header line of a valid drop is longer; guards against garbage. */
    private static final int MAX_LINE = 4096;

    /** The bytes are not a complete drop. */
    public static final class MalformedException extends Exception {
        public MalformedException(String message) {
            super(message);
        }
    }

    /**
     * SPOOL/maildrop, created when missing (in a checkout; 'mailferry install' makes the installed
     * one) with the installed one's mode 1733, as Postfix's maildrop: every local user may drop a
     * file, nobody but the daemon may list or remove others' files. An existing directory keeps the
     * mode its owner gave it.
     */
    public static java.nio.file.Path maildrop(java.nio.file.Path spool) throws IOException {
        java.nio.file.Path dir = spool.resolve("maildrop");
        if (!java.nio.file.Files.isDirectory(dir)) {
            java.nio.file.Files.createDirectories(spool);
            try {
                java.nio.file.Files.createDirectory(dir);
                java.nio.file.Files.setAttribute(dir, "unix:mode", 01733); // the sticky bit: not in PosixFilePermission
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another sendmail or the daemon made it just now
            }
        }
        return dir;
    }

    /** A drop whose recipients have no DSN parameters of their own (the sendmail command's). */
    public Drop(String sender, List<String> recipients, String dsnNotify, String ret, String envId, byte[] body) {
        this(sender, recipients, dsnNotify, ret, envId, body, List.of());
    }

    public Drop {
        recipients = List.copyOf(recipients);
        recipientDsn = recipientDsn.isEmpty()
                ? java.util.Collections.nCopies(recipients.size(), RecipientDsn.NONE) : List.copyOf(recipientDsn);
        if (recipientDsn.size() != recipients.size()) {
            throw new IllegalArgumentException("one RecipientDsn per recipient");
        }
        dsnNotify = dsnNotify == null ? "" : dsnNotify;
        ret = ret == null ? "" : ret;
        envId = envId == null ? "" : envId;
    }

    public byte[] encode() {
        StringBuilder sb = new StringBuilder(256).append(MAGIC).append('\n');
        sb.append("sender ").append(EnvelopeCodec.escape(sender)).append('\n');
        for (int i = 0; i < recipients.size(); i++) {
            sb.append("rcpt ").append(EnvelopeCodec.escape(recipients.get(i))).append('\n');
            RecipientDsn d = recipientDsn.get(i);
            if (!d.notifyOn().isEmpty()) {
                sb.append("rcpt-notify ").append(EnvelopeCodec.escape(d.notifyOn())).append('\n');
            }
            if (!d.orcpt().isEmpty()) {
                sb.append("rcpt-orcpt ").append(EnvelopeCodec.escape(d.orcpt())).append('\n');
            }
        }
        sb.append("notify ").append(EnvelopeCodec.escape(dsnNotify)).append('\n');
        sb.append("ret ").append(EnvelopeCodec.escape(ret)).append('\n');
        sb.append("envid ").append(EnvelopeCodec.escape(envId)).append('\n');
        sb.append("body ").append(body.length).append('\n');
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /** The envelope part of a drop, up to its body line: the body's length but not its bytes. */
    public record Head(String sender, List<String> recipients, String dsnNotify, String ret, String envId,
                       long bodyLength, List<RecipientDsn> recipientDsn) {
    }

    /** Reads one drop; {@code maxBodyBytes} bounds what a client may make us buffer. */
    static Drop read(InputStream in, long maxBodyBytes) throws IOException, MalformedException {
        return read(in, maxBodyBytes, Integer.MAX_VALUE);
    }

    /** Reads one drop with at most {@code maxRecipients} recipients (smtpd.max_recipients). */
    public static Drop read(InputStream in, long maxBodyBytes, int maxRecipients)
            throws IOException, MalformedException {
        Head h = readHead(in, maxRecipients);
        if (h.bodyLength() > maxBodyBytes) {
            throw new TooBigException(h.bodyLength(), maxBodyBytes);
        }
        byte[] body = in.readNBytes((int) h.bodyLength());
        if (body.length != h.bodyLength()) {
            throw new MalformedException("incomplete drop (body has " + body.length + " of " + h.bodyLength()
                    + " bytes)");
        }
        return new Drop(h.sender(), h.recipients(), h.dsnNotify(), h.ret(), h.envId(), body, h.recipientDsn());
    }

    /** Reads a drop's envelope part, leaving the stream at the first byte of the body. */
    public static Head readHead(InputStream in) throws IOException, MalformedException {
        return readHead(in, Integer.MAX_VALUE);
    }

    /** As {@link #readHead(InputStream)}, refusing more than {@code maxRecipients} before reading them all. */
    public static Head readHead(InputStream in, int maxRecipients) throws IOException, MalformedException {
        if (!MAGIC.equals(line(in))) {
            throw new MalformedException("not a Mailferry drop (first line is not '" + MAGIC + "')");
        }
        String sender = null;
        List<String> rcpts = new ArrayList<>();
        List<RecipientDsn> dsn = new ArrayList<>();
        String notify = "";
        String ret = "";
        String envId = "";
        long lines = 0;
        while (true) {
            String line = line(in);
            if (line == null) {
                throw new MalformedException("incomplete drop (no body line)");
            }
            // sender, notify, ret, envid and body once, at most three lines per recipient: no more
            // (a file of endless repeated fields would otherwise be read to its end)
            if (++lines > 5 + 3L * rcpts.size()) {
                throw new MalformedException("too many lines for " + rcpts.size() + " recipients (a repeated field)");
            }
            int sp = line.indexOf(' ');
            if (sp < 0) {
                throw new MalformedException("line without a value: " + line);
            }
            String v;
            try {
                v = EnvelopeCodec.unescape(line.substring(sp + 1));
            } catch (IllegalArgumentException e) {
                throw new MalformedException(e.getMessage());
            }
            switch (line.substring(0, sp)) {
                case "sender" -> sender = v;
                case "rcpt" -> {
                    if (rcpts.size() >= maxRecipients) {
                        throw new TooManyRecipientsException(maxRecipients);
                    }
                    rcpts.add(v);
                    dsn.add(RecipientDsn.NONE);
                }
                case "rcpt-notify", "rcpt-orcpt" -> {
                    if (rcpts.isEmpty()) {
                        throw new MalformedException(line.substring(0, sp) + " before any rcpt");
                    }
                    RecipientDsn d = dsn.get(dsn.size() - 1);
                    dsn.set(dsn.size() - 1, line.startsWith("rcpt-notify ") ? new RecipientDsn(v, d.orcpt())
                            : new RecipientDsn(d.notifyOn(), v));
                }
                case "notify" -> notify = v;
                case "ret" -> ret = v;
                case "envid" -> envId = v;
                case "body" -> {
                    long n;
                    try {
                        n = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new MalformedException("bad body length " + v);
                    }
                    if (n < 0 || n > Integer.MAX_VALUE - 8) {
                        throw new MalformedException("bad body length " + v);
                    }
                    if (sender == null || rcpts.isEmpty()) {
                        throw new MalformedException("drop without sender or recipients");
                    }
                    return new Head(sender, rcpts, notify, ret, envId, n, dsn);
                }
                default -> throw new MalformedException("unknown field '" + line.substring(0, sp) + "'");
            }
        }
    }

    /** The declared body is larger than allowed. */
    public static final class TooBigException extends IOException {
        public TooBigException(long size, long max) {
            super("message size " + size + " exceeds the limit of " + max + " bytes (smtpd.max_message_size)");
        }
    }

    /** The drop names more recipients than allowed. */
    public static final class TooManyRecipientsException extends IOException {
        public TooManyRecipientsException(int max) {
            super("more than " + max + " recipients (smtpd.max_recipients)");
        }
    }

    /** One LF-terminated line, or null at end of stream. */
    static String line(InputStream in) throws IOException, MalformedException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (b.size() >= MAX_LINE) {
                throw new MalformedException("line too long");
            }
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        if (c == -1) {
            throw new MalformedException("incomplete line at end of input");
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
