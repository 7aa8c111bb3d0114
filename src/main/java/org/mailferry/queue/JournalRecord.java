package org.mailferry.queue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal's record format, and nothing about files: how a record is encoded for an append and
 * decoded (and checked) when a segment is read back.
 * <pre>
 *   record: 00 'M' 'J' 01 | type | 12-byte id | int env length | int body length | int CRC32C
 *           of everything after the CRC... (type, id, lengths, envelope, body) | envelope | body
 *   MESSAGE: a message's envelope (EnvelopeCodec) and body
 *   DONE, MOVED, REMOVED: marks ending a message's stay, empty envelope and body
 *   SEAL: id unused, envelope = long sequence of a segment | long its valid end
 * </pre>
 */
final class JournalRecord {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final int MAGIC = 0x004D4A01;
    static final int HEADER = 4 + 1 + 12 + 4 + 4 + 4;
    static final int MAX_ENVELOPE = 16 << 20;
    static final byte MESSAGE = 1;
    static final byte DONE = 2;
    static final byte MOVED = 3;
    static final byte REMOVED = 4;
    static final byte SEAL = 5;
    private static final QueueId NO_ID = new QueueId("000000000000");
    private static final byte[] NONE = new byte[0];

    /**
     * One valid record read back at {@code pos}: a message (its envelope null when it cannot be
     * decoded, and where its body is), a mark, or a seal of another segment.
     */
    record Read(long pos, byte type, QueueId id, Envelope envelope, long bodyPosition, int bodyLength,
                long sealedSequence, long sealedEnd) {
    }

    private JournalRecord() {
    }

    /** Bodies up to this size are copied into their record's buffer: one write; larger ones are written from where they are. */
    static final int COPIED_BODY_BYTES = 16 * 1024;

    /**
     * A MESSAGE record: the encoded envelope and the first {@code bodyLength} bytes of {@code body},
     * in one buffer, or for a body over {@link #COPIED_BODY_BYTES} in two: the header and envelope,
     * then the body's own array (not copied again: at 100 KiB the copy and the young collections of
     * its garbage cost more than a second write, issue 19).
     */
    static ByteBuffer[] message(QueueId id, byte[] envelope, byte[] body, int bodyLength) {
        if (bodyLength <= COPIED_BODY_BYTES) {
            return new ByteBuffer[] {encode(MESSAGE, id, envelope, body, bodyLength)};
        }
        ByteBuffer head = header(ByteBuffer.allocate(HEADER + envelope.length), MESSAGE, id, envelope, body,
                bodyLength);
        head.flip();
        return new ByteBuffer[] {head, ByteBuffer.wrap(body, 0, bodyLength)};
    }

    /** Where a MESSAGE record's body starts, from the record's start. */
    static long bodyOffset(byte[] envelope) {
        return (long) HEADER + envelope.length;
    }

    /** A DONE, MOVED or REMOVED mark. */
    static ByteBuffer mark(byte type, QueueId id) {
        return encode(type, id, NONE, NONE, 0);
    }

    /** A SEAL record: segment {@code sequence} is valid only up to {@code end}. */
    static ByteBuffer seal(long sequence, long end) {
        return encode(SEAL, NO_ID, ByteBuffer.allocate(16).putLong(sequence).putLong(end).array(), NONE, 0);
    }

    private static ByteBuffer encode(byte type, QueueId id, byte[] env, byte[] body, int bodyLength) {
        ByteBuffer b = header(ByteBuffer.allocate(HEADER + env.length + bodyLength), type, id, env, body, bodyLength);
        b.put(body, 0, bodyLength).flip();
        return b;
    }

    /**
     * Puts a record's header (with the CRC32C of its type, id, lengths, envelope and body) and its
     * envelope at the start of {@code b}, a heap buffer; the body is the caller's to add or not.
     */
    private static ByteBuffer header(ByteBuffer b, byte type, QueueId id, byte[] env, byte[] body, int bodyLength) {
        b.putInt(MAGIC).put(type).put(id.value().getBytes(StandardCharsets.US_ASCII))
                .putInt(env.length).putInt(bodyLength);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 4, HEADER - 8);
        crc.update(env);
        crc.update(body, 0, bodyLength);
        return b.putInt((int) crc.getValue()).put(env);
    }

    /** Where the record that starts at {@code pos} ends (call after {@link #parse} found it valid). */
    static long end(ByteBuffer m, int pos) {
        return pos + (long) HEADER + m.getInt(pos + 17) + m.getInt(pos + 21);
    }

    /** The valid record at {@code pos} of segment {@code file}'s bytes {@code m}, or null. */
    static Read parse(Path file, ByteBuffer m, int pos) {
        int n = m.limit();
        if (n - pos < HEADER || m.getInt(pos) != MAGIC) {
            return null;
        }
        byte type = m.get(pos + 4);
        int envLength = m.getInt(pos + 17);
        int bodyLength = m.getInt(pos + 21);
        if (type < MESSAGE || type > SEAL || envLength < 0 || envLength > MAX_ENVELOPE
                || bodyLength < 0 || (long) pos + HEADER + envLength + bodyLength > n) {
            return null;
        }
        CRC32C crc = new CRC32C();
        crc.update(m.slice(pos + 4, HEADER - 8));
        crc.update(m.slice(pos + HEADER, envLength + bodyLength));
        if ((int) crc.getValue() != m.getInt(pos + 25)) {
            return null;
        }
        byte[] env = new byte[envLength];
        m.get(pos + HEADER, env);
        if (type == SEAL) {
            if (envLength != 16) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(env);
            return new Read(pos, type, null, null, 0, 0, b.getLong(), b.getLong());
        }
        byte[] idBytes = new byte[12];
        m.get(pos + 5, idBytes);
        String idText = new String(idBytes, StandardCharsets.US_ASCII);
        if (!QueueId.isValid(idText)) {
            return null;
        }
        QueueId id = new QueueId(idText);
        Envelope envelope = null;
        if (type == MESSAGE) {
            try {
                envelope = EnvelopeCodec.decode(env);
            } catch (EnvelopeCodec.CorruptException e) {
                log.warn("{}: {}: unreadable envelope in a valid record: {}", file, id, e.getMessage());
            }
        }
        return new Read(pos, type, id, envelope, pos + HEADER + envLength, bodyLength, 0, 0);
    }
}
