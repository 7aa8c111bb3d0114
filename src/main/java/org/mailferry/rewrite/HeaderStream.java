package org.mailferry.rewrite;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A stored message read with its header fields edited, as it streams to the smarthost: the header
 * is taken one field at a time (its first line and continuation lines), each handed to the
 * {@link FieldEditor}, which returns it unchanged (the same bytes go out, byte for byte) or its new
 * text; at the end of the header the editor may add fields. After the header the body passes
 * through in blocks as read, never held. Past {@link #MAX_HEADER_BYTES} of header nothing more is
 * edited (Postfix's header_size_limit is 102400).
 */
public final class HeaderStream extends InputStream {
    static final int MAX_HEADER_BYTES = 256 << 10;

    /** Decides each header field's bytes. */
    public interface FieldEditor {
        /**
         * The field's bytes to send: {@code raw} itself when unchanged. {@code name}: the field name
         * as written; {@code raw}: the whole field, CRLF line ends included.
         */
        byte[] edit(String name, byte[] raw);

        /** Fields to add at the end of the header (CRLF ends included); empty for none. */
        byte[] end();
    }

    private final InputStream in;
    private final FieldEditor editor;
    private final ByteArrayOutputStream field = new ByteArrayOutputStream(256);
    private byte[] chunk = new byte[0];
    private int pos;
    private byte[] held; // the line read after a field, not yet placed
    private String fieldName;
    private boolean inHeader = true;
    private long headerBytes;

    public HeaderStream(InputStream in, FieldEditor editor) {
        this.in = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 65536);
        this.editor = editor;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (pos >= chunk.length) {
            if (!inHeader) {
                return in.read(b, off, len);
            }
            nextChunk();
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Reads header lines until a whole field (or the header's end) is ready to go out. */
    private void nextChunk() throws IOException {
        while (true) {
            byte[] line = held != null ? held : line();
            held = null;
            if (line == null) { // the message ended inside the header
                if (fieldName != null) {
                    emit();
                } else {
                    finish(new byte[0]);
                }
                return;
            }
            headerBytes += line.length;
            boolean continuation = line[0] == ' ' || line[0] == '\t';
            if (continuation && fieldName != null && headerBytes <= MAX_HEADER_BYTES) {
                field.write(line);
                continue;
            }
            String name = continuation || headerBytes > MAX_HEADER_BYTES ? null : name(line);
            if (fieldName != null) {
                held = line;
                headerBytes -= line.length;
                emit();
                return;
            }
            if (name == null) { // the empty line, a line that is no field, or too much header
                finish(line);
                return;
            }
            fieldName = name;
            field.write(line);
        }
    }

    private void emit() {
        byte[] raw = field.toByteArray();
        field.reset();
        String name = fieldName;
        fieldName = null;
        chunk = editor.edit(name, raw);
        pos = 0;
    }

    private void finish(byte[] line) {
        byte[] added = editor.end();
        chunk = new byte[added.length + line.length];
        System.arraycopy(added, 0, chunk, 0, added.length);
        System.arraycopy(line, 0, chunk, added.length, line.length);
        pos = 0;
        inHeader = false;
    }

    /** One line with its LF, or what is left at the end; null at the end. */
    private byte[] line() throws IOException {
        ByteArrayOutputStream l = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) >= 0) {
            l.write(c);
            if (c == '\n') {
                break;
            }
        }
        return l.size() == 0 ? null : l.toByteArray();
    }

    /** A header line's field name ("To: x" gives "To"), or null if the line is not a header field. */
    public static String name(byte[] l) {
        for (int i = 0; i < l.length; i++) {
            int c = l[i] & 0xff;
            if (c == ':') {
                return i == 0 ? null : new String(l, 0, i, StandardCharsets.ISO_8859_1);
            }
            if (c <= ' ' || c >= 0x7f) {
                return null;
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
