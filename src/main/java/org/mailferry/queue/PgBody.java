package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.mailferry.message.QueueId;

/**
 * A stored body read back one chunk at a time (one short query each, a pool connection held only
 * for it), so a large body is never whole in memory and a slow smarthost holds no connection.
 */
final class PgBody extends InputStream {
    private final DataSource db;
    private final QueueId id;
    private final int chunks;
    private int next;
    private byte[] current = new byte[0];
    private int pos;

    PgBody(DataSource db, QueueId id, int chunks) {
        this.db = db;
        this.id = id;
        this.chunks = chunks;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    private boolean fill() throws IOException {
        while (pos == current.length) {
            if (next == chunks) {
                return false;
            }
            try (Connection c = db.getConnection();
                 PreparedStatement p = c.prepareStatement("SELECT data FROM body_chunk WHERE id = ? AND seq = ?")) {
                p.setString(1, id.value());
                p.setInt(2, next);
                try (ResultSet r = p.executeQuery()) {
                    if (!r.next()) {
                        throw new java.nio.file.NoSuchFileException(id + ": body removed while being read");
                    }
                    current = r.getBytes(1);
                }
            } catch (SQLException e) {
                throw PgSpool.failure("cannot read the body of " + id, e);
            }
            pos = 0;
            next++;
        }
        return true;
    }
}
