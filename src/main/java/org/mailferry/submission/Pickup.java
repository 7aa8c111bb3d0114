package org.mailferry.submission;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.mailferry.message.QueueId;
import org.mailferry.queue.PrivateFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Postfix's pickup: moves messages that the sendmail command left in SPOOL/maildrop (while the
 * daemon was down, or when the socket failed) into the queue. Scans at start and then every
 * {@link #INTERVAL}.
 *
 * <p>The maildrop is writable by every local user (1733), so nothing in it is trusted. Each entry
 * is first looked at without following links; anything but a regular file is moved aside to
 * SPOOL/corrupt/ with one log line, never opened. A regular file is taken (renamed) into the
 * private SPOOL/pickup/ before it is opened and its owner read ({@link MaildropFile}), so no user
 * can swap it between the owner check and the read. One bad entry never stalls the others: each
 * is handled on its own and a failure is logged, not thrown.
 *
 * <p>A drop file is removed only after the queue has committed it, so a crash in between
 * delivers it twice rather than never; files left in pickup/ by a crash are taken first at the
 * next scan. A temporary name (.NAME) whose file is complete but was never renamed (a power cut
 * lost the rename, or sendmail died after its fsync) is picked up once nothing can be writing it
 * any more: it predates the system's boot, or is older than {@link #ABANDONED_TEMP}.
 */
public final class Pickup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.pickup");
    static final Duration INTERVAL = Duration.ofSeconds(1);
    /** sendmail renames its file within milliseconds of writing it; older ones were abandoned. */
    static final Duration ABANDONED_TEMP = Duration.ofMinutes(10);
    /** Entries that could not be moved aside are remembered (by inode) so they cost one log line. */
    private static final int MAX_STUCK = 10_000;

    private final Path maildrop;
    private final Path claimed;
    private final Path corrupt;
    private final LocalSubmission local;
    private final Instant bootTime = bootTime();
    private final Set<Object> stuck = Collections.synchronizedSet(Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Boolean> eldest) {
            return size() > MAX_STUCK;
        }
    }));
    private volatile boolean closed;
    private Thread thread;

    public Pickup(Path spool, LocalSubmission local) throws IOException {
        this.maildrop = spool.resolve("maildrop");
        this.claimed = spool.resolve("pickup");
        this.corrupt = spool.resolve("corrupt");
        this.local = local;
        Drop.maildrop(spool); // in a checkout, made 1733 as the installed one
        PrivateFiles.createDirectory(claimed);
    }

    public Pickup start() {
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
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(claimed)) {
            for (Path p : ds) {
                n += closed ? 0 : take(p);
            }
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(maildrop)) {
            for (Path p : ds) {
                n += closed ? 0 : offer(p);
            }
        }
        return n;
    }

    /** Looks at one maildrop entry without following or opening it; claims a regular file. */
    private int offer(Path p) {
        String name = p.getFileName().toString();
        try {
            PosixFileAttributes a = MaildropFile.lstat(p);
            if (stuck.contains(a.fileKey())) {
                return 0;
            }
            if (!a.isRegularFile()) {
                moveAside(p, a.fileKey(), "is " + MaildropFile.kind(a) + " (owner " + a.owner().getName() + ")");
                return 0;
            }
            if (name.startsWith(".") && !abandoned(a)) {
                return 0; // sendmail is writing it; it renames it when done
            }
            Path to = claimed.resolve(name);
            if (Files.exists(to, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                return 0; // one of that name is still being taken; this one waits for the next scan
            }
            Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            return take(to);
        } catch (NoSuchFileException gone) {
            return 0; // renamed by its writer, or removed: seen again under its new name, or never
        } catch (IOException e) {
            log.warn("maildrop file {}: {}; trying again at the next scan", name, reason(e));
            return 0;
        }
    }

    /** A temporary file nothing writes any more: from before the boot, or older than ABANDONED_TEMP. */
    private boolean abandoned(PosixFileAttributes a) {
        Instant modified = a.lastModifiedTime().toInstant();
        return modified.isBefore(bootTime) || modified.isBefore(Instant.now().minus(ABANDONED_TEMP));
    }

    /** Queues one file of pickup/ and removes it; an unusable one is moved aside. */
    private int take(Path p) {
        String name = p.getFileName().toString();
        Drop.Head head;
        String user;
        QueueId id;
        try (MaildropFile.Opened file = MaildropFile.open(p, local.maxMessageSizeBytes(), local.maxRecipients())) {
            head = file.head();
            user = file.user();
            try {
                id = local.submit(head, file.body(), user, file::complete);
            } catch (LocalSubmission.RefusedException | Drop.MalformedException e) {
                throw new MaildropFile.UnusableException(e.getMessage() + ", owner " + user);
            }
        } catch (MaildropFile.UnusableException e) {
            moveAside(p, null, e.getMessage());
            return 0;
        } catch (NoSuchFileException gone) {
            return 0;
        } catch (IOException e) {
            log.warn("maildrop file {}: cannot queue it: {}; trying again at the next scan", name, reason(e));
            return 0;
        }
        try {
            Files.delete(p);
        } catch (IOException e) {
            log.error("{}: queued, but cannot remove maildrop file {}: {} (it would be queued again)", id, p,
                    reason(e));
        }
        log.info("{}: from=<{}>, local user {}, nrcpt={} ({}{})", id, head.sender(), user,
                head.recipients().size(), name.startsWith(".") ? "complete but never renamed: maildrop " : "maildrop ",
                name);
        return 1;
    }

    /**
     * Moves an entry to SPOOL/corrupt/maildrop-NAME with one log line. An entry the daemon may not
     * move (another user's directory, when the daemon is not root) is left and remembered by its
     * inode, so it costs one log line and no further work.
     */
    private void moveAside(Path p, Object fileKey, String why) {
        String name = p.getFileName().toString();
        try {
            PrivateFiles.createDirectory(corrupt);
            Path to = corrupt.resolve("maildrop-" + name);
            try {
                Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                to = corrupt.resolve("maildrop-" + name + "." + System.nanoTime());
                Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            }
            log.warn("maildrop file {}: {}; moved to {}", name, why, to);
        } catch (NoSuchFileException gone) {
            // removed meanwhile by its owner: nothing to set aside
        } catch (IOException e) {
            if (fileKey != null) {
                stuck.add(fileKey);
            }
            log.warn("maildrop file {}: {}; cannot move it aside ({}), ignoring it", name, why, reason(e));
        }
    }

    /** An I/O failure in words, for a log line (no exception class names). */
    private static String reason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return String.valueOf(e.getMessage());
    }

    /** When the system booted (/proc/stat btime); the epoch when unknown. */
    private static Instant bootTime() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (line.startsWith("btime ")) {
                    return Instant.ofEpochSecond(Long.parseLong(line.substring(6).strip()));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: only the age tells an abandoned temporary file
        }
        return Instant.EPOCH;
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
