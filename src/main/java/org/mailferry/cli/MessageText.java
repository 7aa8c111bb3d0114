package org.mailferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A message as read from standard input: lines split at LF (a CR before it dropped), ended by end of
 * input or, without -i, by a line with a single dot. The header section is kept as fields (a field
 * with its continuation lines) so that -t can read To/Cc/Bcc and Bcc can be removed; header lines
 * are ISO-8859-1 strings, so every byte survives unchanged. The header is held in memory up to
 * {@link #MAX_HEADER_BYTES} (beyond, the rest is body, as Postfix's header_size_limit bounds it);
 * the body is never held: {@link #stream} converts it line by line as it is read ({@link BodyLines}),
 * so the daemon streams a message from its socket to the spool.
 */
final class MessageText {
    /** The most header bytes kept in memory; a longer header's rest is read as body. */
    static final int MAX_HEADER_BYTES = 256 << 10;

    /** Standard input (or the client's connection) failed while the message was read. */
    static final class InputException extends IOException {
        InputException(IOException cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        }
    }

    /** One header field: its name and its raw lines (the first one, then continuations). */
    record Field(String name, List<String> lines) {
        /** The unfolded value (line breaks removed), decoded as UTF-8. */
        String value() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                sb.append(i == 0 ? l.substring(l.indexOf(':') + 1) : l);
            }
            return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).strip();
        }

        boolean is(String n) {
            return name.equalsIgnoreCase(n);
        }
    }

    final List<Field> header = new ArrayList<>();
    /** The body's input, not read yet: raw bytes, lines still to be split; null when the input ended. */
    private InputStream body;
    private boolean ignoreDots;

    /** Reads the header; the body stays in {@code in} until {@link #stream} is read. */
    static MessageText read(InputStream in, boolean ignoreDots) throws IOException {
        MessageText m = new MessageText();
        m.ignoreDots = ignoreDots;
        int budget = MAX_HEADER_BYTES;
        boolean first = true;
        while (true) {
            byte[] raw = rawLine(in, budget);
            if (raw == null) {
                return m; // end of input: no body
            }
            budget -= raw.length;
            boolean whole = raw[raw.length - 1] == '\n' || budget > 0; // ended by LF or by the input, not cut
            String line = text(raw);
            if (!ignoreDots && line.equals(".") && whole) {
                return m;
            }
            if (first && line.startsWith("From ")) {
                first = false;
                continue; // an mbox separator, as Postfix's sendmail drops it
            }
            first = false;
            if (line.isEmpty() && whole) {
                m.body = in;
                return m;
            }
            if (whole && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && !m.header.isEmpty()) {
                m.header.get(m.header.size() - 1).lines().add(line);
                continue;
            }
            String name = whole ? fieldName(line) : null;
            if (name != null) {
                List<String> lines = new ArrayList<>(2);
                lines.add(line);
                m.header.add(new Field(name, lines));
                continue;
            }
            // not a header line (or one past the header's bound): the body starts with it, as read
            m.body = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(raw), in);
            return m;
        }
    }

    /** A line's text: LF and a CR before it dropped (a CR at the end of input too). */
    private static String text(byte[] raw) {
        int n = raw.length;
        if (n > 0 && raw[n - 1] == '\n') {
            n--;
        }
        if (n > 0 && raw[n - 1] == '\r') {
            n--;
        }
        return new String(raw, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** One line with its LF, or what there is up to end of input or {@code max} bytes; null at the end. */
    private static byte[] rawLine(InputStream in, int max) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        try {
            while (b.size() < max && (c = in.read()) != -1) {
                b.write(c);
                if (c == '\n') {
                    break;
                }
            }
        } catch (IOException e) {
            throw new InputException(e);
        }
        return b.size() == 0 ? null : b.toByteArray();
    }

    /** The name of a header field line ("Subject: x" → "Subject"), or null if it is not one. */
    private static String fieldName(String line) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return null;
        }
        for (int i = 0; i < colon; i++) {
            char c = line.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                return null;
            }
        }
        return line.substring(0, colon);
    }

    boolean has(String name) {
        for (Field f : header) {
            if (f.is(name)) {
                return true;
            }
        }
        return false;
    }

    /** The addresses in every field with one of these names, in order. */
    List<String> addresses(String... names) {
        List<String> out = new ArrayList<>();
        for (Field f : header) {
            for (String n : names) {
                if (f.is(n)) {
                    out.addAll(AddressList.parse(f.value()));
                }
            }
        }
        return out;
    }

    void remove(String name) {
        for (int i = header.size() - 1; i >= 0; i--) {
            if (header.get(i).is(name)) {
                header.remove(i);
            }
        }
    }

    /** Adds a field at the end of the header (the value must be free of line breaks). */
    void add(String name, String value) {
        List<String> lines = new ArrayList<>(1);
        lines.add(name + ": " + new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
        header.add(new Field(name, lines));
    }

    /**
     * The message with CRLF line ends: header, an empty line, body; the body is read from the input
     * as the stream is read (once). A failure of the input is an {@link InputException}.
     */
    InputStream stream() {
        StringBuilder sb = new StringBuilder(1024);
        for (Field f : header) {
            for (String l : f.lines()) {
                sb.append(l).append("\r\n");
            }
        }
        sb.append("\r\n");
        InputStream head = new java.io.ByteArrayInputStream(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        return body == null ? head : new java.io.SequenceInputStream(head, new BodyLines(body, ignoreDots));
    }

    /** The whole message in memory: for the sendmail command's own process, not for the daemon. */
    byte[] toBytes() throws IOException {
        return stream().readAllBytes();
    }
}
