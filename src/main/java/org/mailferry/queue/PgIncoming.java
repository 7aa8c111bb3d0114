package org.mailferry.queue;

import java.io.IOException;
import java.io.OutputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.mailferry.message.QueueId;

/**
 * A message being received into PostgreSQL. The body is cut into chunks of {@link #CHUNK_BYTES};
 * a body that fits one chunk stays in memory until the commit (one short transaction then), a
 * larger one opens its transaction at the first full chunk and writes each chunk as it fills, so
 * no more than one chunk is ever held; {@link PgSpool#commit} adds the message row to the same
 * transaction and commits it. Closing without a commit rolls everything back.
 */
final class PgIncoming implements Spool.Incoming {
    static final int CHUNK_BYTES = 256 * 1024;

    private final QueueId id;
    private final DataSource db;
    private final byte[] chunk = new byte[CHUNK_BYTES];
    private int filled;
    private int chunks;
    private long size;
    private byte[] headers;
    private final ByteCollector headerCollector = new ByteCollector();
    Connection open; // the transaction of a body larger than one chunk
    private PreparedStatement insert;
    boolean committed;

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            headerCollector.take(b, off, len);
            size += len;
            while (len > 0) {
                int n = Math.min(len, CHUNK_BYTES - filled);
                System.arraycopy(b, off, chunk, filled, n);
                filled += n;
                off += n;
                len -= n;
                if (filled == CHUNK_BYTES) {
                    flushChunk();
                }
            }
        }
    };

    PgIncoming(QueueId id, DataSource db) {
        this.id = id;
        this.db = db;
    }

    @Override
    public QueueId id() {
        return id;
    }

    @Override
    public OutputStream body() {
        return out;
    }

    /** The header block (everything up to the empty line), as far as it has been received. */
    byte[] headers() throws IOException {
        if (headers == null) {
            byte[] collected = headerCollector.bytes();
            headers = HeaderBlock.read(collected, collected.length);
        }
        return headers;
    }

    private void flushChunk() throws IOException {
        try {
            if (open == null) {
                open = db.getConnection();
                open.setAutoCommit(false);
                insert = open.prepareStatement("INSERT INTO body_chunk (id, seq, data) VALUES (?, ?, ?)");
            }
            insert.setString(1, id.value());
            insert.setInt(2, chunks);
            insert.setBytes(3, filled == CHUNK_BYTES ? chunk : java.util.Arrays.copyOf(chunk, filled));
            insert.executeUpdate();
            chunks++;
            filled = 0;
        } catch (SQLException e) {
            close();
            throw PgSpool.failure("cannot store the body of " + id, e);
        }
    }

    /** True for a body larger than one chunk: its transaction is open, the message row joins it. */
    boolean large() {
        return open != null;
    }

    /** A large body's transaction, its last chunk written. */
    Connection finishLarge() throws IOException {
        if (filled > 0) {
            flushChunk();
        }
        return open;
    }

    /** A body of at most one chunk, whole (empty for an empty body). */
    byte[] small() {
        return java.util.Arrays.copyOf(chunk, filled);
    }

    int chunks() {
        return open != null ? chunks : filled > 0 ? 1 : 0;
    }

    long size() {
        return size;
    }

    @Override
    public void close() {
        Connection c = open;
        open = null;
        if (c == null) {
            return;
        }
        try {
            if (insert != null) {
                insert.close();
            }
            if (!committed) {
                c.rollback();
            }
        } catch (SQLException e) {
            // the connection is broken: nothing was committed, the pool drops it
        } finally {
            try {
                c.close();
            } catch (SQLException e) {
                // already gone
            }
        }
    }

    /** Keeps the first bytes of the body, enough for its header block ({@link HeaderBlock#MAX_BYTES}). */
    private static final class ByteCollector {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

        void take(byte[] b, int off, int len) {
            bytes.write(b, off, Math.min(len, HeaderBlock.MAX_BYTES - bytes.size()));
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }
}
