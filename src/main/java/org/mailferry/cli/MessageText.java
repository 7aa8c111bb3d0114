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
 * with its continuation lines) so that -t can read To/Cc/Bcc and Bcc can be removed; the body is
 * kept as lines. Lines are ISO-8859-1 strings, so every byte survives unchanged.
 */
final class MessageText {
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
    final List<String> body = new ArrayList<>();

    static MessageText read(InputStream in, boolean ignoreDots) throws IOException {
        MessageText m = new MessageText();
        boolean inHeader = true;
        boolean first = true;
        String line;
        while ((line = line(in)) != null) {
            if (!ignoreDots && line.equals(".")) {
                break;
            }
            if (first && line.startsWith("From ")) {
                first = false;
                continue; // an mbox separator, as Postfix's sendmail drops it
            }
            first = false;
            if (inHeader) {
                if (line.isEmpty()) {
                    inHeader = false;
                    continue;
                }
                if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && !m.header.isEmpty()) {
                    m.header.get(m.header.size() - 1).lines().add(line);
                    continue;
                }
                String name = fieldName(line);
                if (name != null) {
                    List<String> lines = new ArrayList<>(2);
                    lines.add(line);
                    m.header.add(new Field(name, lines));
                    continue;
                }
                inHeader = false; // not a header line: the body starts here
            }
            m.body.add(line);
        }
        return m;
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

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
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

    /** The message with CRLF line ends: header, an empty line, body. */
    byte[] toBytes() {
        StringBuilder sb = new StringBuilder(4096);
        for (Field f : header) {
            for (String l : f.lines()) {
                sb.append(l).append("\r\n");
            }
        }
        sb.append("\r\n");
        for (String l : body) {
            sb.append(l).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
