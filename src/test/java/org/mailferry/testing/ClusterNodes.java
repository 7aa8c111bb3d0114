package org.mailferry.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.mailferry.Mailferry;

/**
 * Mailferry nodes as separate processes ({@code mailferry serve} in a new JVM) sharing one queue in
 * a {@link PgCluster} database: each node's config file, its start, its log under
 * target/cluster-logs/, the wait for its listener.
 */
public final class ClusterNodes {
    private final Path dir;
    private final PgCluster pg;

    /** @param dir the test's temporary directory (configs, spools, the password file) */
    public ClusterNodes(Path dir, PgCluster pg) {
        this.dir = dir;
        this.pg = pg;
    }

    /**
     * One node's config file: the shared database, short leases so a dead node's messages move on
     * quickly; {@code relayLines} are added to its [relay] section (and may open tables after it).
     */
    public Path config(int node, int port, String url, int sinkPort, int concurrency, String relayLines)
            throws IOException {
        Path pw = dir.resolve("pgpass");
        if (!Files.exists(pw)) {
            Files.writeString(pw, pg.password + "\n");
            Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        }
        return Files.writeString(dir.resolve("node" + node + ".toml"), """
                [smtpd]
                listen = "127.0.0.1:%d"
                hostname = "node%d.test"
                [queue]
                spool = "%s"
                backend = "postgresql"
                postgresql_url = "%s"
                postgresql_user = "%s"
                postgresql_password_file = "%s"
                lease_time = "3s"
                poll_interval = "1s"
                retry_min = "2s"
                retry_max = "5s"
                [relay]
                smarthost = "[127.0.0.1]:%d"
                concurrency = %d
                %s
                [admin]
                listen = "off"
                """.formatted(port, node, dir.resolve("spool" + node), url, PgCluster.USER, pw, sinkPort, concurrency,
                relayLines));
    }

    /** Starts a node with {@code config}; its output goes to {@code log} in {@link #logs()}. */
    public Process start(Path config, String log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), Mailferry.class.getName(), "serve", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(logs().resolve(log).toFile()).start();
    }

    /** The nodes' logs, kept after the test (target/cluster-logs/TEST-DIRECTORY/). */
    public Path logs() throws IOException {
        return Files.createDirectories(Path.of("target", "cluster-logs", dir.getFileName().toString()));
    }

    /** Waits until the node listens on {@code a}; fails with its log when it exits or does not in 60 s. */
    public static void awaitListener(InetSocketAddress a, Process p, Path log) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new AssertionError("the node exited: " + Files.readString(log));
            }
            try (Socket s = new Socket()) {
                s.connect(a, 500);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("no listener on " + a + ": " + Files.readString(log));
    }
}
