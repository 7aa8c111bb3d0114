package org.mailferry.submission;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * SEND on the submit socket: the native sendmail client (src/main/c/sendmail.c) hands over its
 * command line, the config it read and then standard input; the daemon runs the Java command's
 * sending path on them ({@link SubmitSocket.Send}). Two phases on one connection, so that a usage
 * or config error comes before standard input is read, as with the Java command:
 * <pre>
 *   client  SEND\n, fields "NAME LENGTH\n" + LENGTH bytes, an empty line:
 *             arg     each argument after argv[0], in order
 *             C       -C's value, only when the command line has one (checked against the parse)
 *             config  the config file's name (-C, else $MAILFERRY_CONFIG); empty: none
 *             toml    that file's text (with a name only)
 *             spool   queue.spool as the client read it (checked against config/Toml's reading)
 *             zone    the client's UTC offset in seconds, for the Date header
 *   daemon  "input 1\n": send the message, a line with a single dot ends it (no -i);
 *           "input 0\n": send all of it; or a final answer
 *   client  "input LENGTH\n" + LENGTH bytes, then shuts its side down
 *   daemon  a final answer: "exit CODE LENGTH\n" + LENGTH bytes of UTF-8 text for stderr,
 *           or "jvm REASON\n": not for this path, the client runs the Java command instead
 * </pre>
 * Every length is bounded (the C client has the same bounds and sends larger things to the Java
 * command): {@value #MAX_ARGS} arguments and {@value #MAX_ARG_BYTES} bytes of them, names and
 * spool {@value #MAX_NAME_BYTES}, config text {@value #MAX_CONFIG_BYTES}, message
 * {@value #MAX_MESSAGE_BYTES} bytes (streamed to the spool, never held whole).
 */
public record SendRequest(List<String> args, String configOption, String configName, byte[] configText,
                          String spool, int zoneOffsetSeconds) {
    public static final int MAX_ARGS = 1024;
    public static final int MAX_ARG_BYTES = 256 << 10;
    public static final int MAX_NAME_BYTES = 4096;
    public static final int MAX_CONFIG_BYTES = 64 << 10;
    public static final int MAX_MESSAGE_BYTES = 4 << 20;
    private static final int MAX_ZONE_SECONDS = 18 * 3600;

    /** What the daemon answers. */
    public sealed interface Answer permits Exit, Jvm, NeedInput {
        byte[] bytes();
    }

    /** Final: the command's exit code and what it printed on stderr. */
    public record Exit(int code, String text) implements Answer {
        @Override
        public byte[] bytes() {
            byte[] t = text.getBytes(StandardCharsets.UTF_8);
            byte[] head = ("exit " + code + " " + t.length + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] out = new byte[head.length + t.length];
            System.arraycopy(head, 0, out, 0, head.length);
            System.arraycopy(t, 0, out, head.length, t.length);
            return out;
        }
    }

    /** Final: the Java command must do this (another mode, -v, a spool that cannot take it now...). */
    public record Jvm(String reason) implements Answer {
        @Override
        public byte[] bytes() {
            return ("jvm " + reason.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The command line is fine: send the message; {@code rest} answers it (Exit or Jvm). */
    public record NeedInput(boolean dotEnds, Rest rest) implements Answer {
        @Override
        public byte[] bytes() {
            return (dotEnds ? "input 1\n" : "input 0\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The second phase: what to answer once the message is there (read as a stream, never whole). */
    public interface Rest {
        Answer send(InputStream message);
    }

    /** Reads the first phase, after the "SEND" line. */
    static SendRequest read(InputStream in) throws IOException, Drop.MalformedException {
        List<String> args = new ArrayList<>();
        int argBytes = 0;
        String option = null;
        String name = null;
        byte[] text = null;
        String spool = null;
        String zone = null;
        String head;
        while (!(head = line(in)).isEmpty()) {
            int sp = head.indexOf(' ');
            String field = sp < 0 ? head : head.substring(0, sp);
            int max = switch (field) {
                case "arg" -> MAX_ARG_BYTES - argBytes;
                case "toml" -> MAX_CONFIG_BYTES;
                case "zone" -> 16;
                case "C", "config", "spool" -> MAX_NAME_BYTES;
                default -> throw new Drop.MalformedException("unknown field '" + field + "'");
            };
            byte[] v = bytes(in, sp < 0 ? "" : head.substring(sp + 1), max);
            String s = new String(v, StandardCharsets.UTF_8);
            switch (field) {
                case "arg" -> {
                    argBytes += v.length;
                    args.add(s);
                    if (args.size() > MAX_ARGS) {
                        throw new Drop.MalformedException("more than " + MAX_ARGS + " arguments");
                    }
                }
                case "C" -> option = once(option, s, field);
                case "config" -> name = once(name, s, field);
                case "toml" -> text = once(text, v, field);
                case "spool" -> spool = once(spool, s, field);
                default -> zone = once(zone, s, field);
            }
        }
        if (name == null || spool == null || zone == null || name.isEmpty() != (text == null)) {
            throw new Drop.MalformedException("incomplete request");
        }
        int offset;
        try {
            offset = Integer.parseInt(zone);
        } catch (NumberFormatException e) {
            throw new Drop.MalformedException("bad zone " + zone);
        }
        if (Math.abs(offset) > MAX_ZONE_SECONDS) {
            throw new Drop.MalformedException("bad zone " + zone);
        }
        return new SendRequest(List.copyOf(args), option, name, text, spool, offset);
    }

    /** Reads the head of the second phase, "input LENGTH\n"; the message follows, as the stream returned. */
    static BoundedInput message(InputStream in) throws IOException, Drop.MalformedException {
        String head = line(in);
        if (!head.startsWith("input ")) {
            throw new Drop.MalformedException("expected the input");
        }
        return new BoundedInput(in, length(head.substring(6), MAX_MESSAGE_BYTES));
    }

    private static <T> T once(T old, T value, String field) throws Drop.MalformedException {
        if (old != null) {
            throw new Drop.MalformedException(field + " twice");
        }
        return value;
    }

    private static String line(InputStream in) throws IOException, Drop.MalformedException {
        String l = Drop.line(in);
        if (l == null) {
            throw new Drop.MalformedException("incomplete request");
        }
        return l;
    }

    private static int length(String length, int max) throws Drop.MalformedException {
        int n;
        try {
            n = Integer.parseInt(length);
        } catch (NumberFormatException e) {
            throw new Drop.MalformedException("bad length '" + length + "'");
        }
        if (n < 0 || n > max) {
            throw new Drop.MalformedException("length " + n + " out of bounds (at most " + max + ")");
        }
        return n;
    }

    private static byte[] bytes(InputStream in, String length, int max) throws IOException, Drop.MalformedException {
        int n = length(length, max);
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new Drop.MalformedException("incomplete request");
        }
        return b;
    }
}
