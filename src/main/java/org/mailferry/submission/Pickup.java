package org.mailferry.submission;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's pickup: moves messages that the sendmail command left in SPOOL/maildrop (while the
 * daemon was down, or when the socket failed) into the queue. Scans at start and then every
 * {@link #INTERVAL}. A drop file is removed only after the queue has committed it, so a crash in
 * between delivers it twice rather than never. Unreadable drops go to SPOOL/corrupt/.
 */
public final class Pickup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.pickup");
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** A temporary file this old belongs to a sendmail command that died while writing. */
    static final Duration STALE_TEMP = Duration.ofDays(1);

    private final Path maildrop;
    private final Path corrupt;
    private final LocalSubmission local;
    private volatile boolean closed;
    private Thread thread;

    public Pickup(Path spool, LocalSubmission local) {
        this.maildrop = spool.resolve("maildrop");
        this.corrupt = spool.resolve("corrupt");
        this.local = local;
    }

    public Pickup start() throws IOException {
        Files.createDirectories(maildrop);
        thread = Thread.ofPlatform().name("pickup").daemon(true).start(this::loop);
        return this;
    }

    private void loop() {
        while (!closed) {
            try {
                scan();
            } catch (IOException e) {
                log.warn("cannot scan {}: {}", maildrop, e.toString());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(INTERVAL.toNanos()); // no interrupt: it would close spool files
        }
    }

    /** Picks up every complete drop file; returns how many were queued. */
    public int scan() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(maildrop)) {
            for (Path p : ds) {
                if (closed) {
                    break;
                }
                if (p.getFileName().toString().startsWith(".")) {
                    removeIfStale(p);
                } else if (pick(p)) {
                    n++;
                }
            }
        }
        return n;
    }

    private boolean pick(Path p) throws IOException {
        Drop drop;
        String user;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 65536)) {
            user = Files.getOwner(p).getName();
            drop = Drop.read(in, local.maxMessageSizeBytes());
            if (in.read() != -1) {
                throw new Drop.MalformedException("bytes after the body");
            }
        } catch (NoSuchFileException gone) {
            return false;
        } catch (Drop.MalformedException | Drop.TooBigException e) {
            moveAside(p, e.getMessage());
            return false;
        }
        QueueId id;
        try {
            id = local.submit(drop, user);
        } catch (LocalSubmission.RefusedException e) {
            moveAside(p, e.getMessage());
            return false;
        }
        Files.delete(p);
        log.info("{}: from=<{}>, local user {}, nrcpt={} (maildrop {})", id, drop.sender(), user,
                drop.recipients().size(), p.getFileName());
        return true;
    }

    private void moveAside(Path p, String why) throws IOException {
        Files.createDirectories(corrupt);
        Path to = corrupt.resolve("maildrop-" + p.getFileName());
        Files.move(p, to, StandardCopyOption.REPLACE_EXISTING);
        log.warn("maildrop file {} is unusable, moved to {}: {}", p.getFileName(), to, why);
    }

    private void removeIfStale(Path p) {
        try {
            FileTime t = Files.getLastModifiedTime(p);
            if (t.toInstant().isBefore(Instant.now().minus(STALE_TEMP))) {
                Files.deleteIfExists(p);
                log.info("removed abandoned maildrop temporary file {}", p.getFileName());
            }
        } catch (IOException ignored) {
            // gone or unreadable: the next scan tries again
        }
    }

    @Override
    public void close() {
        closed = true;
        if (thread != null) {
            java.util.concurrent.locks.LockSupport.unpark(thread);
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
