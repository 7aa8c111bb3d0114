package org.mailferry.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A spool of plain files, Postfix-style:
 * <pre>
 *   SPOOL/tmp/      files being written (removed at start)
 *   SPOOL/queue/    ID.body (written once) and ID.env (rewritten after each attempt)
 *   SPOOL/corrupt/  envelopes that could not be read, with their bodies, for a human to look at
 *   SPOOL/done/     finished messages ({@link FinishedFiles})
 * </pre>
 * Commit order: body and envelope are written and fsynced under tmp/ ({@link DurableFile}), the
 * body is renamed into queue/, then the envelope (its presence marks the message complete), then
 * queue/ is fsynced. A commit whose syncs failed is refused and its files removed. Every later
 * rename or removal in queue/ (update, retire, remove) is followed by a (group) fsync of queue/
 * before it returns. The queue alone: {@link JournalSpool} answers the {@link History} lookups.
 */
public final class FileSpool implements Spool {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final String BODY = ".body";
    static final String ENV = EnvelopeFiles.ENV;

    private final Path tmp;
    private final Path queue;
    private final Path corrupt;
    private final FinishedFiles finished;
    private final java.time.Clock clock;
    private final GroupSync queueSync;
    private final Disk disk;
    /**
     * Ids of the bodies without an envelope found by recover(), until removed; a commit under one
     * of these ids (a journal message moving to files after a crash cut its earlier move between
     * the two renames) takes its id out first, so the removal never deletes the new body.
     */
    private final Set<String> orphans = new HashSet<>(); // guarded by itself

    public FileSpool(Path root, java.time.Clock clock) throws IOException {
        this(root, clock, Disk.system());
    }

    public FileSpool(Path root, java.time.Clock clock, Disk disk) throws IOException {
        this.tmp = root.resolve("tmp");
        this.queue = root.resolve("queue");
        this.corrupt = root.resolve("corrupt");
        this.finished = new FinishedFiles(root.resolve("done"), disk);
        this.clock = clock;
        this.disk = disk;
        this.queueSync = GroupSync.ofDirectory(disk, queue);
        Files.createDirectories(root);
        for (Path d : new Path[] {tmp, queue, corrupt, root.resolve("done")}) {
            DurableFile.createDirectory(d, disk);
        }
    }

    public Path queueDirectory() {
        return queue;
    }

    /** Where the messages that finished from these files are kept. */
    FinishedFiles finished() {
        return finished;
    }

    /** The number of queued messages (envelope files). */
    public long count() {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue, "*" + ENV)) {
            long n = 0;
            for (Path ignored : ds) {
                n++;
            }
            return n;
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Start-up clean-up, before anything else uses the spool: removes tmp/ leftovers (never
     * acknowledged) and notes the bodies without an envelope in queue/ (a commit interrupted between
     * its two renames, so never acknowledged), for {@link #removeOrphanBodies}. One listing of
     * names, taken before any delivery, so a message retired meanwhile is never mistaken for one.
     */
    public int recover() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                removed++;
            }
        }
        Set<String> envelopes = new HashSet<>();
        List<String> bodies = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(ENV)) {
                    envelopes.add(name.substring(0, name.length() - ENV.length()));
                } else if (name.endsWith(BODY)) {
                    bodies.add(name.substring(0, name.length() - BODY.length()));
                }
            }
        }
        synchronized (orphans) {
            orphans.clear();
            for (String id : bodies) {
                if (!envelopes.contains(id)) {
                    orphans.add(id);
                }
            }
        }
        return removed;
    }

    /** Removes the bodies without an envelope that {@link #recover} found; in the background. */
    public int removeOrphanBodies() throws IOException {
        List<String> ids;
        synchronized (orphans) {
            ids = new ArrayList<>(orphans);
        }
        int removed = 0;
        for (String id : ids) {
            Path p = queue.resolve(id + BODY);
            synchronized (orphans) { // a commit under this id since recover() took it out: its body stays
                if (orphans.remove(id) && Files.deleteIfExists(p)) {
                    log.info("{}: removed incomplete message (body without envelope)", p.getFileName());
                    removed++;
                }
            }
        }
        return removed;
    }

    @Override
    public Incoming create() throws IOException {
        return create(QueueId.next(clock.millis()));
    }

    /** A message under an id given earlier (a journal message that outgrew memory). */
    Incoming create(QueueId id) throws IOException {
        return new FileIncoming(id, DurableFile.create(disk, tmp.resolve(id.value() + BODY)));
    }

    /** Writes a whole message from a stream, durably (a journal message moving to files). */
    void store(Envelope envelope, InputStream body) throws IOException {
        try (Incoming in = create(envelope.id())) {
            body.transferTo(in.body());
            commit(in, envelope);
        }
    }

    /** The header block of a message being received (before its commit). */
    byte[] headers(Incoming incoming) throws IOException {
        FileIncoming in = (FileIncoming) incoming;
        in.body.stream().flush();
        try (InputStream body = new BufferedInputStream(Files.newInputStream(in.body.tmp()), 8192)) {
            return HeaderBlock.read(body);
        }
    }

    @Override
    public void commit(Incoming incoming, Envelope envelope) throws IOException {
        FileIncoming in = (FileIncoming) incoming;
        in.body.stream().flush();
        Path body = queue.resolve(in.id.value() + BODY);
        Path env = queue.resolve(in.id.value() + ENV);
        try (DurableFile envFile = DurableFile.create(disk, envelopeTmp(envelope))) {
            envFile.write(EnvelopeCodec.encode(envelope));
            // Both files' fsyncs at once: the file system commits them together, so a message
            // costs one journal commit for its files (plus the shared directory sync below).
            Future<?> envSync = envFile.startSync();
            try {
                in.body.sync();
            } finally {
                GroupSync.join(envSync);
            }
            long epoch = queueSync.epoch();
            synchronized (orphans) {
                orphans.remove(in.id.value()); // an earlier, interrupted move's body is replaced, not an orphan
            }
            in.body.rename(body);
            try {
                envFile.rename(env);
                queueSync.await(epoch); // group commit: one directory fsync for all renames made meanwhile
            } catch (IOException e) {
                // refused (451): it must not be delivered later, so its files go (the envelope first)
                Files.deleteIfExists(env);
                Files.deleteIfExists(body);
                throw e;
            }
        }
        in.committed = true;
    }

    /** Where a new version of an envelope is written before its rename (one per writing thread). */
    private Path envelopeTmp(Envelope envelope) {
        return tmp.resolve(envelope.id().value() + ENV + "." + Thread.currentThread().threadId());
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        Path target = queue.resolve(envelope.id().value() + ENV);
        if (!Files.exists(target)) {
            throw new NoSuchFileException(target.toString(), null, "message is no longer queued");
        }
        try (DurableFile f = DurableFile.create(disk, envelopeTmp(envelope))) {
            f.write(EnvelopeCodec.encode(envelope));
            f.sync();
            f.publish(target, queueSync); // a hold, a delivered recipient or a bounce must not revert
        }
    }

    @Override
    public Envelope load(QueueId id) throws IOException {
        Path p = queue.resolve(id.value() + ENV);
        try {
            return EnvelopeCodec.decode(Files.readAllBytes(p));
        } catch (EnvelopeCodec.CorruptException e) {
            moveAside(id, e.getMessage());
            throw new IOException(id + ": corrupt envelope moved to " + corrupt + ": " + e.getMessage());
        }
    }

    @Override
    public List<QueueId> ids() throws IOException {
        List<QueueId> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(queue, "*" + ENV)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String id = name.substring(0, name.length() - ENV.length());
                if (QueueId.isValid(id)) {
                    out.add(new QueueId(id));
                }
            }
        }
        return out;
    }

    @Override
    public InputStream openBody(QueueId id) throws IOException {
        // buffered: header readers take a byte at a time, which must not be a system call each
        return new BufferedInputStream(Files.newInputStream(queue.resolve(id.value() + BODY)), 8192);
    }

    @Override
    public void remove(QueueId id) throws IOException {
        long epoch = queueSync.epoch();
        Files.deleteIfExists(queue.resolve(id.value() + ENV));
        Files.deleteIfExists(queue.resolve(id.value() + BODY));
        queueSync.await(epoch); // a deleted message must not come back
    }

    @Override
    public void retire(Envelope finished) throws IOException {
        QueueId id = finished.id();
        long epoch = queueSync.epoch();
        Files.move(queue.resolve(id.value() + ENV), this.finished.envelope(id), StandardCopyOption.REPLACE_EXISTING);
        // durable before the body is cut to its headers: a power cut must not bring back a queued
        // message whose body is truncated (done/ itself is not synced: history may be lost)
        queueSync.await(epoch);
        this.finished.keep(finished, queue.resolve(id.value() + BODY));
    }

    /** A queued message's envelope, else a finished one's from done/, else null (no side effects). */
    Envelope find(QueueId id) throws IOException {
        Envelope env = EnvelopeFiles.read(queue, id);
        return env != null ? env : finished.find(id);
    }

    /** A queued message's header block, else a finished one's, else an empty array. */
    byte[] headers(QueueId id) throws IOException {
        try (InputStream body = openBody(id)) {
            return HeaderBlock.read(body);
        } catch (NoSuchFileException e) {
            return finished.headers(id);
        }
    }

    @Override
    public void forEach(Consumer<Envelope> each) throws IOException {
        EnvelopeFiles.forEach(queue, each, (p, why) -> {
            String name = p.getFileName().toString();
            String idText = name.substring(0, name.length() - ENV.length());
            if (QueueId.isValid(idText)) {
                moveAside(new QueueId(idText), why);
            } else {
                log.warn("{}: ignoring a file that is not a queue file", p);
            }
        });
    }

    private void moveAside(QueueId id, String why) throws IOException {
        for (String suffix : new String[] {ENV, BODY}) {
            Path from = queue.resolve(id.value() + suffix);
            if (Files.exists(from)) {
                Files.move(from, corrupt.resolve(id.value() + suffix), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        log.warn("{}: corrupt queue file moved to {}: {}", id, corrupt, why);
    }
}
