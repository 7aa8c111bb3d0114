package org.mailferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A throwaway PostgreSQL cluster of Debian's postgresql 15: initdb in a temporary directory, its
 * own port on 127.0.0.1 (and its socket in that directory, not /var/run), password authentication
 * (scram-sha-256) for the user {@link #USER}, stopped with pg_ctl and removed on close. initdb
 * refuses to run as root, so as root every command runs as the postgres user (runuser), or as
 * an unprivileged user created for it when there is none. The system's own PostgreSQL service is
 * not used. Skipped without postgresql, failed if MAILFERRY_REQUIRE_INTEROP=1.
 */
public final class PgCluster implements AutoCloseable {
    public static final String USER = "mailferry";
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    public final Path dir;
    public final int port;
    public final String password;
    private final String runAs; // null: as this process's user

    private PgCluster(Path dir, int port, String password, String runAs) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.runAs = runAs;
    }

    private static PgCluster shared;

    /**
     * One cluster for every test class of this JVM (each test makes its own {@link #newDatabase}),
     * stopped and removed when the JVM exits.
     */
    public static synchronized PgCluster shared() throws IOException, InterruptedException {
        if (shared == null) {
            PgCluster pg = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException | InterruptedException | RuntimeException e) {
                    System.err.println("PgCluster: cannot stop the cluster in " + pg.dir + ": " + e);
                }
            }));
            shared = pg;
        }
        return shared;
    }

    /** initdb and start a new cluster. */
    public static PgCluster start() throws IOException, InterruptedException {
        if (!Files.isExecutable(BIN.resolve("initdb")) || !Files.isExecutable(BIN.resolve("pg_ctl"))) {
            String why = "PostgreSQL 15 is not installed (apt-get install postgresql; .ci/run does)";
            if (Tools.interopRequired()) {
                throw new AssertionError(why + "; MAILFERRY_REQUIRE_INTEROP=1 forbids skipping");
            }
            Assumptions.abort(why);
        }
        String runAs = null;
        if ("root".equals(System.getProperty("user.name"))) {
            runAs = userExists("postgres") ? "postgres" : LocalUser.require("mailferry-pg").name();
        }
        Path dir = Files.createTempDirectory("mailferry-pg");
        String password = HexFormat.of().formatHex(SecureRandom.getSeed(12));
        Path pwfile = dir.resolve("pwfile");
        Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
        PgCluster pg = new PgCluster(dir, Tools.freePort(), password, runAs);
        if (runAs != null) {
            pg.check(List.of("chown", "-R", runAs, dir.toString()), "chown", false);
        }
        pg.check(List.of(BIN.resolve("initdb").toString(), "-D", pg.data().toString(), "-U", USER,
                "--pwfile=" + pwfile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"),
                "initdb", true);
        Files.delete(pwfile);
        pg.startServer();
        return pg;
    }

    private static boolean userExists(String name) throws IOException, InterruptedException {
        Path log = Files.createTempFile("mailferry-pg", ".log");
        try {
            return Tools.run(List.of("id", "-u", name), log, 10) == 0;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private Path data() {
        return dir.resolve("data");
    }

    /** The JDBC URL of the cluster's postgres database. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** A new, empty database in the cluster; its JDBC URL. */
    public String newDatabase() throws java.sql.SQLException {
        String name = "db" + DATABASES.incrementAndGet();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url(), USER, password);
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + name;
    }

    /** The first column of every row {@code sql} returns in the database at {@code url} (tests' checks). */
    public List<String> column(String url, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, USER, password);
             java.sql.Statement s = c.createStatement(); java.sql.ResultSet r = s.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (r.next()) {
                out.add(r.getString(1));
            }
            return out;
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger DATABASES = new java.util.concurrent.atomic.AtomicInteger();

    /** Starts the server (again, after {@link #stop}). */
    public void startServer() throws IOException, InterruptedException {
        check(List.of(BIN.resolve("pg_ctl").toString(), "-D", data().toString(), "-w", "-t", "60",
                "-l", dir.resolve("server.log").toString(), "-o",
                "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=" + dir
                        + " -c max_connections=200", "start"), "pg_ctl start", true);
    }

    /** Stops the server (fast: sessions are disconnected, committed work stays). */
    public void stop() throws IOException, InterruptedException {
        check(List.of(BIN.resolve("pg_ctl").toString(), "-D", data().toString(), "-w", "-t", "60", "-m", "fast",
                "stop"), "pg_ctl stop", true);
    }

    private void check(List<String> command, String what, boolean asUser) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asUser && runAs != null) {
            full.addAll(List.of("runuser", "-u", runAs, "--"));
        }
        full.addAll(command);
        Path log = Files.createTempFile("mailferry-pg", ".log");
        try {
            int rc = Tools.run(full, log, 90);
            if (rc != 0) {
                String server = Files.exists(dir.resolve("server.log"))
                        ? Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8) : "";
                throw new AssertionError(what + " failed (" + rc + "): " + Files.readString(log, StandardCharsets.UTF_8)
                        + server);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (Files.exists(data().resolve("postmaster.pid"))) {
            check(List.of(BIN.resolve("pg_ctl").toString(), "-D", data().toString(), "-w", "-t", "60", "-m",
                    "immediate", "stop"), "pg_ctl stop", true);
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
