package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The PostgreSQL queue's schema, versioned: {@code db/postgresql/V1.sql}, {@code V2.sql} ... are
 * applied in order, each in one transaction with its row in {@code mailferry_schema}, under an
 * advisory lock so that nodes starting together apply each once. A database whose schema is newer
 * than this Mailferry knows is refused (a node of an older release must not run on a schema a
 * newer one changed); an older one is brought up to date. Flyway would do the same with a jar of
 * its own and a history table in its own format; this is forty lines (docs/dependencies.md).
 */
public final class PgSchema {
    /** The schema version this code reads and writes. */
    public static final int VERSION = 4;
    private static final long LOCK_KEY = 0x6d61696c66657272L; // "mailferr": one lock for every node's migration

    private PgSchema() {
    }

    /** A database this Mailferry must not use; the message says why and what to do. */
    public static final class WrongVersion extends IOException {
        WrongVersion(String message) {
            super(message);
        }
    }

    /**
     * Brings the schema to {@link #VERSION}; returns how many versions were applied. Throws
     * {@link WrongVersion} when the database's schema is newer than this code.
     */
    public static int migrate(DataSource db, String appliedBy) throws IOException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                s.execute("CREATE TABLE IF NOT EXISTS mailferry_schema (version integer PRIMARY KEY, "
                        + "applied_ms bigint NOT NULL, applied_by text NOT NULL)");
            }
            int current = current(c);
            if (current > VERSION) {
                c.rollback();
                throw new WrongVersion("the PostgreSQL queue's schema is version " + current
                        + ", newer than this Mailferry's (" + VERSION + "): a newer release uses this database; "
                        + "upgrade this node, or give it a database of its own (queue.postgresql_url)");
            }
            for (int v = current + 1; v <= VERSION; v++) {
                try (Statement s = c.createStatement()) {
                    s.execute(script(v));
                }
                try (PreparedStatement p = c.prepareStatement(
                        "INSERT INTO mailferry_schema (version, applied_ms, applied_by) VALUES (?, ?, ?)")) {
                    p.setInt(1, v);
                    p.setLong(2, System.currentTimeMillis());
                    p.setString(3, appliedBy);
                    p.executeUpdate();
                }
            }
            c.commit();
            return VERSION - current;
        } catch (SQLException e) {
            throw PgSpool.failure("cannot prepare the queue's schema", e);
        }
    }

    /**
     * For a command (never migrates): throws {@link WrongVersion} unless the schema is this code's
     * version, so that a command of another release does not read or change it.
     */
    public static void verify(DataSource db) throws IOException {
        int current;
        try (Connection c = db.getConnection()) {
            current = exists(c) ? current(c) : 0;
        } catch (SQLException e) {
            throw PgSpool.failure("cannot read the queue's schema version", e);
        }
        if (current != VERSION) {
            throw new WrongVersion("the PostgreSQL queue's schema is version " + current + ", this Mailferry's is "
                    + VERSION + (current < VERSION ? "; start this release's daemon first (it brings the schema up to date)"
                    : "; use the mailferry command of the release the daemons run"));
        }
    }

    private static boolean exists(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT to_regclass('mailferry_schema') IS NOT NULL")) {
            r.next();
            return r.getBoolean(1);
        }
    }

    /** The schema version the database has (0: none yet). */
    static int current(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT coalesce(max(version), 0) FROM mailferry_schema")) {
            r.next();
            return r.getInt(1);
        }
    }

    private static String script(int version) throws IOException {
        String name = "/db/postgresql/V" + version + ".sql";
        try (InputStream in = PgSchema.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing " + name + " in the jar (a broken build)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
