package org.mailferry.submission;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import org.mailferry.rewrite.AddressHeader;
import org.mailferry.rewrite.HeaderStream;

/**
 * The header-rewriting step every submission path streams its message through on the way to the
 * spool (Postfix's cleanup): in the message's own header (never in MIME parts or the body) it
 * removes the fields named in {@link HeaderRules#drop} and, when given an origin domain,
 * qualifies bare local names in address fields ({@link AddressHeader}). Takes CRLF lines as
 * stored; everything after the header passes unchanged. The header is held one field at a time,
 * and only up to {@link #MAX_HEADER_BYTES}: beyond, the rest passes unchanged.
 */
final class HeaderRewriter extends OutputStream {
    /** Postfix's header_size_limit is 102400; past this much header, nothing more is rewritten. */
    static final int MAX_HEADER_BYTES = 256 << 10;
    /** Postfix's address headers (src/global/header_opts.c: HDR_OPT_SENDER and HDR_OPT_RECIP). */
    private static final Set<String> ADDRESS_FIELDS = Set.of("apparently-to", "bcc", "cc",
            "disposition-notification-to", "errors-to", "from", "mail-followup-to", "reply-to", "resent-bcc",
            "resent-cc", "resent-from", "resent-reply-to", "resent-sender", "resent-to", "return-path",
            "return-receipt-to", "sender", "to");

    private final OutputStream target;
    private final Set<String> drop;
    private final String originDomain;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
    private final ByteArrayOutputStream field = new ByteArrayOutputStream(256);
    private String fieldName;
    private boolean inHeader = true;
    private long headerBytes;
    private long written;

    HeaderRewriter(OutputStream target, Set<String> drop, String originDomain) {
        this.target = target;
        this.drop = drop;
        this.originDomain = originDomain;
    }

    @Override
    public void write(int b) throws IOException {
        if (!inHeader) {
            out(b);
            return;
        }
        line.write(b);
        if (b == '\n') {
            line();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        int end = off + len;
        while (inHeader && off < end) { // what write(int) does, a line at a time
            int lf = off;
            while (lf < end && b[lf] != '\n') {
                lf++;
            }
            if (lf == end) {
                line.write(b, off, end - off);
                return;
            }
            line.write(b, off, lf + 1 - off);
            off = lf + 1;
            line();
        }
        if (off < end) {
            target.write(b, off, end - off);
            written += end - off;
        }
    }

    /** Ends the header if the message ended inside it (no body); call once the message is written. */
    void finish() throws IOException {
        if (inHeader) {
            endHeader();
        }
    }

    private void line() throws IOException {
        byte[] l = line.toByteArray();
        line.reset();
        headerBytes += l.length;
        boolean continuation = l[0] == ' ' || l[0] == '\t';
        if (continuation && fieldName != null && headerBytes <= MAX_HEADER_BYTES) {
            field.write(l);
            return;
        }
        String name = continuation ? null : HeaderStream.name(l);
        if (name == null || headerBytes > MAX_HEADER_BYTES) { // the empty line, or the body began early
            endHeader();
            out(l);
            return;
        }
        emitField();
        fieldName = name;
        field.write(l);
    }

    private void endHeader() throws IOException {
        emitField();
        if (line.size() > 0) {
            out(line.toByteArray());
            line.reset();
        }
        inHeader = false;
    }

    private void emitField() throws IOException {
        if (fieldName == null) {
            return;
        }
        String lower = fieldName.toLowerCase(Locale.ROOT);
        byte[] raw = field.toByteArray();
        field.reset();
        String name = fieldName;
        fieldName = null;
        if (drop.contains(lower)) {
            return;
        }
        if (originDomain != null && ADDRESS_FIELDS.contains(lower)) {
            String text = new String(raw, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
            if (text.endsWith("\n")) {
                text = text.substring(0, text.length() - 1);
            }
            String qualified = AddressHeader.qualify(name, text.substring(name.length() + 1), originDomain);
            if (qualified != null) {
                out((qualified.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                return;
            }
        }
        out(raw);
    }

    /** The bytes written to the target so far. */
    long written() {
        return written;
    }

    private void out(int b) throws IOException {
        target.write(b);
        written++;
    }

    private void out(byte[] b) throws IOException {
        target.write(b);
        written += b.length;
    }
}
