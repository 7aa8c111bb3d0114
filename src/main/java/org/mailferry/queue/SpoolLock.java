package org.mailferry.queue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Who owns the spool: the running daemon holds an exclusive lock on {@code SPOOL/daemon.lock}
 * and writes its admin API address to {@code SPOOL/admin.address} (a second line {@code https CERT}
 * when the API speaks HTTPS: the certificate file it presents, admin.tls_cert). A queue command that gets the
 * lock knows no daemon runs and may change the spool directly (holding the lock, so no daemon
 * starts meanwhile); one that does not get it talks to the daemon's admin API instead.
 */
public final class SpoolLock implements AutoCloseable {
    private static final String LOCK = "daemon.lock";
    private static final String ADDRESS = "admin.address";

    private final Path root;
    private final FileChannel channel;
    private final FileLock lock;

    private SpoolLock(Path root, FileChannel channel, FileLock lock) {
        this.root = root;
        this.channel = channel;
        this.lock = lock;
    }

    /** The lock, or null when another process (or this JVM) holds it. */
    public static SpoolLock tryAcquire(Path root) throws IOException {
        Files.createDirectories(root);
        FileChannel ch = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            return null;
        }
        return new SpoolLock(root, ch, l);
    }

    /**
     * True when a daemon holds the lock; for a user who may not write the lock file (an admin.group
     * member), who tests it with a shared lock on a read-only channel.
     */
    public static boolean isHeld(Path root) throws IOException {
        try (FileChannel ch = FileChannel.open(root.resolve(LOCK), StandardOpenOption.READ)) {
            FileLock l = ch.tryLock(0, Long.MAX_VALUE, true);
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        }
    }

    /** Records where the admin API listens (null: it is off), and its certificate file (null: plain HTTP). */
    public void publishAdminAddress(InetSocketAddress address, Path tlsCert) throws IOException {
        Path p = root.resolve(ADDRESS);
        if (address == null) {
            Files.deleteIfExists(p);
        } else {
            Files.writeString(p, address.getAddress().getHostAddress() + " " + address.getPort() + "\n"
                    + (tlsCert == null ? "" : "https " + tlsCert.toAbsolutePath() + "\n"), StandardCharsets.UTF_8);
        }
    }

    /** The certificate file of the running daemon's HTTPS admin API, or null (plain HTTP, or none published). */
    public static Path adminTlsCert(Path root) throws IOException {
        try {
            List<String> lines = Files.readAllLines(root.resolve(ADDRESS), StandardCharsets.UTF_8);
            return lines.size() > 1 && lines.get(1).startsWith("https ") ? Path.of(lines.get(1).substring(6)) : null;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The running daemon's admin API address, or null when it published none. */
    public static InetSocketAddress adminAddress(Path root) throws IOException {
        try {
            String[] f = Files.readAllLines(root.resolve(ADDRESS), StandardCharsets.UTF_8).get(0).strip().split(" ");
            return new InetSocketAddress(f[0], Integer.parseInt(f[1]));
        } catch (NoSuchFileException e) {
            return null;
        } catch (RuntimeException e) {
            throw new IOException(root.resolve(ADDRESS) + " is damaged; restart the daemon to rewrite it");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(root.resolve(ADDRESS));
        } finally {
            lock.release();
            channel.close();
        }
    }
}
