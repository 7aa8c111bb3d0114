package org.mailferry.queue;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.util.Properties;

/**
 * The connections to the queue's database: a HikariCP pool over pgjdbc, each connection with
 * synchronous_commit = on (a commit returns only once its WAL is flushed, whatever the server's
 * default), a bounded wait for a connection and for each reply, so that a database that is down
 * or hung turns into an IOException within seconds (451 4.3.0 to the client), and the pool
 * reconnects by itself when the database is back.
 */
public final class PgPool {
    /** How long a caller waits for a connection before it fails (the client gets 451 4.3.0). */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** The longest a statement's reply may take before the connection is given up as dead. */
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

    private PgPool() {
    }

    /**
     * @param url      a jdbc:postgresql:// URL (queue.postgresql_url)
     * @param password the password, or "" for none (peer or trust authentication)
     * @param size     most connections this node opens
     */
    public static HikariDataSource open(String url, String user, String password, int size) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(url);
        c.setUsername(user);
        if (!password.isEmpty()) {
            c.setPassword(password);
        }
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(Math.min(2, size));
        c.setConnectionTimeout(CONNECT_TIMEOUT.toMillis());
        c.setValidationTimeout(Math.min(CONNECT_TIMEOUT.toMillis(), 3000));
        c.setInitializationFailTimeout(-1); // the first connection is made by the schema check, which reports it
        c.setPoolName("mailferry-queue");
        c.setConnectionInitSql("SET synchronous_commit = on");
        Properties p = new Properties();
        p.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        p.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", "mailferry");
        c.setDataSourceProperties(p);
        return new HikariDataSource(c);
    }

    /** Connections {@code db} opens from now on use {@code password} ("": none); the open ones are replaced. */
    static void usePassword(javax.sql.DataSource db, String password) {
        if (db instanceof HikariDataSource pool) {
            pool.getHikariConfigMXBean().setPassword(password.isEmpty() ? null : password);
            pool.getHikariPoolMXBean().softEvictConnections();
        }
    }
}
