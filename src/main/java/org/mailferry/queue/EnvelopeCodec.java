package org.mailferry.queue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.Address;
import org.mailferry.message.Attempt;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;

/**
 * The envelope file format: UTF-8 text, one field per line, values percent-encoded so that no
 * value can contain a space or a line break, and a final {@code end} line that marks the file as
 * complete. Readable with {@code cat}; small enough to rewrite on every attempt.
 */
public final class EnvelopeCodec {
    static final String MAGIC = "mailferry-envelope 1";

    /** The file is not a complete, valid envelope. */
    public static final class CorruptException extends Exception {
        public CorruptException(String message) {
            super(message);
        }
    }

    private EnvelopeCodec() {
    }

    public static byte[] encode(Envelope e) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(MAGIC).append('\n');
        field(sb, "id", e.id().value());
        field(sb, "arrival", Long.toString(e.arrival().toEpochMilli()));
        field(sb, "sender", escape(e.sender().value()));
        field(sb, "body", e.bodyType());
        field(sb, "smtputf8", Boolean.toString(e.smtpUtf8()));
        field(sb, "size", Long.toString(e.sizeBytes()));
        field(sb, "envid", escape(e.envId()));
        field(sb, "ret", escape(e.ret()));
        field(sb, "client", escape(e.client()));
        field(sb, "attempts", Integer.toString(e.attempts()));
        field(sb, "next", Long.toString(e.nextAttempt().toEpochMilli()));
        field(sb, "held", Boolean.toString(e.held()));
        for (Recipient r : e.recipients()) { // appended in place, no string per field (issue 19)
            sb.append("rcpt ").append(r.state().name()).append(' ').append(escape(r.address().value())).append(' ')
                    .append(escape(r.orcpt())).append(' ').append(escape(r.dsnNotify())).append(' ')
                    .append(escape(r.lastReply())).append('\n');
        }
        for (Attempt a : e.history()) {
            field(sb, "attempt", a.time().toEpochMilli() + " " + escape(a.recipient()) + ' ' + escape(a.outcome()));
        }
        sb.append("end\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder sb, String key, String value) {
        sb.append(key).append(' ').append(value).append('\n');
    }

    public static Envelope decode(byte[] bytes) throws CorruptException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        if (lines.length < 2 || !lines[0].equals(MAGIC)) {
            throw new CorruptException("not a Mailferry envelope (first line is not '" + MAGIC + "')");
        }
        if (!(lines[lines.length - 1].isEmpty() && lines[lines.length - 2].equals("end"))) {
            throw new CorruptException("incomplete envelope (no 'end' line)");
        }
        String id = null;
        Long arrival = null;
        String sender = null;
        String body = "7BIT";
        boolean utf8 = false;
        long size = 0;
        String envid = "";
        String ret = "";
        String client = "";
        int attempts = 0;
        Long next = null;
        boolean held = false;
        List<Recipient> rcpts = new ArrayList<>();
        List<Attempt> history = new ArrayList<>();
        try {
            for (int i = 1; i < lines.length - 2; i++) {
                String line = lines[i];
                int sp = line.indexOf(' ');
                if (sp < 0) {
                    throw new CorruptException("line " + (i + 1) + ": no value");
                }
                String key = line.substring(0, sp);
                String v = line.substring(sp + 1);
                switch (key) {
                    case "id" -> id = v;
                    case "arrival" -> arrival = Long.parseLong(v);
                    case "sender" -> sender = unescape(v);
                    case "body" -> body = v;
                    case "smtputf8" -> utf8 = Boolean.parseBoolean(v);
                    case "size" -> size = Long.parseLong(v);
                    case "envid" -> envid = unescape(v);
                    case "ret" -> ret = unescape(v);
                    case "client" -> client = unescape(v);
                    case "attempts" -> attempts = Integer.parseInt(v);
                    case "next" -> next = Long.parseLong(v);
                    case "held" -> held = Boolean.parseBoolean(v);
                    case "rcpt" -> {
                        String[] f = v.split(" ", -1);
                        if (f.length != 5) {
                            throw new CorruptException("line " + (i + 1) + ": rcpt needs 5 fields");
                        }
                        rcpts.add(new Recipient(new Address(unescape(f[1])), Recipient.State.valueOf(f[0]),
                                unescape(f[4]), unescape(f[2]), unescape(f[3])));
                    }
                    case "attempt" -> {
                        String[] f = v.split(" ", -1);
                        if (f.length != 3) {
                            throw new CorruptException("line " + (i + 1) + ": attempt needs 3 fields");
                        }
                        history.add(new Attempt(Instant.ofEpochMilli(Long.parseLong(f[0])), unescape(f[1]),
                                unescape(f[2])));
                    }
                    default -> throw new CorruptException("line " + (i + 1) + ": unknown field '" + key + "'");
                }
            }
            if (id == null || arrival == null || sender == null || next == null || rcpts.isEmpty()) {
                throw new CorruptException("missing id, arrival, sender, next or rcpt");
            }
            return new Envelope(new QueueId(id), Instant.ofEpochMilli(arrival), new Address(sender), rcpts, body,
                    utf8, size, envid, ret, client, attempts, Instant.ofEpochMilli(next), held, history);
        } catch (IllegalArgumentException e) {
            throw new CorruptException("bad value: " + e.getMessage());
        }
    }

    /** Percent-encodes '%', controls, space and DEL; "-" stands for the empty string. */
    public static String escape(String s) {
        if (s.isEmpty()) {
            return "-";
        }
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean bad = c <= ' ' || c == '%' || c == 0x7f || (i == 0 && c == '-' && s.length() == 1);
            if (bad) {
                if (sb == null) {
                    sb = new StringBuilder(s.length() + 8).append(s, 0, i);
                }
                sb.append('%').append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    public static String unescape(String s) {
        if (s.equals("-")) {
            return "";
        }
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '%' && i + 2 < b.length + 0 && i + 2 <= b.length - 1) {
                int hi = Character.digit(b[i + 1], 16);
                int lo = Character.digit(b[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    throw new IllegalArgumentException("bad escape in '" + s + "'");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (b[i] == '%') {
                throw new IllegalArgumentException("bad escape in '" + s + "'");
            } else {
                out.write(b[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
