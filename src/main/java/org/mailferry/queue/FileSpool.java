package org.mailferry.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 *   SPOOL/done/     finished messages: final ID.env (with history) and ID.headers, kept for status
 *                   lookups until swept (not fsynced: losing history in a crash loses no message)
 * </pre>
 * Commit order: body and envelope are written and fsynced under tmp/, the body is renamed into
 * queue/, then the envelope (its presence marks the message complete), then queue/ is fsynced. A
 * commit whose syncs failed is refused and its files removed. Every later rename or removal in
 * queue/ (update, retire, remove) is followed by a (group) fsync of queue/ before it returns.
 */
public final class FileSpool implements Spool {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final String BODY = ".body";
    static final String ENV = ".env";
    static final String HEADERS = ".headers";

    private final Path tmp;
    private final Path queue;
    private final Path corrupt;
    private final Path done;
    private final java.time.Clock clock;
    private final GroupSync queueSync;
    private final Disk disk;
    private java.util.List<Path> orphans = java.util.List.of(); // found by recover()

    public FileSpool(Path root, java.time.Clock clock) throws IOException {
        this(root, clock, Disk.SYSTEM);
    }

    public FileSpool(Path root, java.time.Clock clock, Disk disk) throws IOException {
        this.tmp = root.resolve("tmp");
        this.queue = root.resolve("queue");
        this.corrupt = root.resolve("corrupt");
        this.done = root.resolve("done");
        this.clock = clock;
        this.disk = disk;
        this.queueSync = GroupSync.ofDirectory(disk, queue);
        Files.createDirectories(root);
        for (Path d : new Path[] {tmp, queue, corrupt, done}) {
            createPrivate(d, disk);
        }
    }

    /**
     * Creates a directory of messages or their history (when missing): 0700, whatever the umask;
     * its parent is synced, so the name survives a power cut.
     */
    static void createPrivate(Path dir, Disk disk) throws IOException {
        boolean created = !Files.isDirectory(dir);
        PrivateFiles.createDirectory(dir);
        if (created) {
            GroupSync.run(() -> disk.syncDirectory(dir.getParent()));
        }
    }

    public Path queueDirectory() {
        return queue;
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
        java.util.Set<String> envelopes = new java.util.HashSet<>();
        java.util.List<String> bodies = new java.util.ArrayList<>();
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
        java.util.List<Path> found = new java.util.ArrayList<>();
        for (String id : bodies) {
            if (!envelopes.contains(id)) {
                found.add(queue.resolve(id + BODY));
            }
        }
        orphans = found;
        return removed;
    }

    /** Removes the bodies without an envelope that {@link #recover} found; in the background. */
    public int removeOrphanBodies() throws IOException {
        int removed = 0;
        for (Path p : orphans) {
            if (Files.deleteIfExists(p)) {
                log.info("{}: removed incomplete message (body without envelope)", p.getFileName());
                removed++;
            }
        }
        orphans = java.util.List.of();
        return removed;
    }

    private final class FileIncoming implements Incoming {
        private final QueueId id;
        private final Path bodyTmp;
        private final FileChannel channel;
        private final OutputStream out;
        private boolean committed;

        FileIncoming(QueueId id) throws IOException {
            this.id = id;
            this.bodyTmp = tmp.resolve(id.value() + BODY);
            this.channel = disk.open(bodyTmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 65536);
        }

        @Override
        public QueueId id() {
            return id;
        }

        @Override
        public OutputStream body() {
            return out;
        }

        @Override
        public void close() {
            if (committed) {
                return;
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // the file is removed below
            }
            try {
                Files.deleteIfExists(bodyTmp);
            } catch (IOException e) {
                log.warn("{}: cannot remove {}: {}", id, bodyTmp, e.toString());
            }
        }
    }

    @Override
    public Incoming create() throws IOException {
        return create(QueueId.next(clock.millis()));
    }

    /** A message under an id given earlier (a journal message that outgrew memory). */
    Incoming create(QueueId id) throws IOException {
        return new FileIncoming(id);
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
        in.out.flush();
        try (InputStream body = new java.io.BufferedInputStream(Files.newInputStream(in.bodyTmp), 8192)) {
            return HeaderBlock.read(body);
        }
    }

    @Override
    public void commit(Incoming incoming, Envelope envelope) throws IOException {
        FileIncoming in = (FileIncoming) incoming;
        in.out.flush();
        Path envTmp = envelopeTmp(envelope);
        try (FileChannel env = disk.open(envTmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            env.write(java.nio.ByteBuffer.wrap(EnvelopeCodec.encode(envelope)));
            // Both files' fsyncs at once: the file system commits them together, so a message
            // costs one journal commit for its files (plus the shared directory sync below).
            java.util.concurrent.Future<?> envSync = GroupSync.start(() -> env.force(true));
            try {
                GroupSync.run(() -> in.channel.force(true));
            } finally {
                GroupSync.join(envSync);
            }
        } catch (IOException e) {
            Files.deleteIfExists(envTmp); // the body's tmp file goes with close()
            throw e;
        }
        in.channel.close();
        Path body = queue.resolve(in.id.value() + BODY);
        Path env = queue.resolve(in.id.value() + ENV);
        long epoch = queueSync.epoch();
        Files.move(in.bodyTmp, body, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(envTmp, env, StandardCopyOption.ATOMIC_MOVE);
            queueSync.await(epoch); // group commit: one directory fsync for all renames made meanwhile
        } catch (IOException e) {
            // refused (451): it must not be delivered later, so its files go (the envelope first)
            Files.deleteIfExists(env);
            Files.deleteIfExists(body);
            Files.deleteIfExists(envTmp);
            throw e;
        }
        in.committed = true;
    }

    /** Where a new version of an envelope is written before its rename (one per writing thread). */
    private Path envelopeTmp(Envelope envelope) {
        return tmp.resolve(envelope.id().value() + ENV + "." + Thread.currentThread().threadId());
    }

    private Path writeSynced(Envelope envelope) throws IOException {
        Path envTmp = envelopeTmp(envelope);
        try (FileChannel ch = disk.open(envTmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(EnvelopeCodec.encode(envelope)));
            GroupSync.run(() -> ch.force(true));
        } catch (IOException e) {
            Files.deleteIfExists(envTmp); // a full disk must not keep half-written files until restart
            throw e;
        }
        return envTmp;
    }

    @Override
    public void update(Envelope envelope) throws IOException {
        Path target = queue.resolve(envelope.id().value() + ENV);
        if (!Files.exists(target)) {
            throw new NoSuchFileException(target.toString(), null, "message is no longer queued");
        }
        Path envTmp = writeSynced(envelope);
        long epoch = queueSync.epoch();
        Files.move(envTmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        queueSync.await(epoch); // a hold, a delivered recipient or a bounce must not revert
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
    public java.util.List<QueueId> ids() throws IOException {
        java.util.List<QueueId> out = new java.util.ArrayList<>();
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
        return new java.io.BufferedInputStream(Files.newInputStream(queue.resolve(id.value() + BODY)), 8192);
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
        // Renames and in-place writes only: creating files is what costs most per message (inode
        // allocation), and a finished message's history need not be fsynced.
        QueueId id = finished.id();
        Path env = done.resolve(id.value() + ENV);
        long epoch = queueSync.epoch();
        Files.move(queue.resolve(id.value() + ENV), env, StandardCopyOption.REPLACE_EXISTING);
        // durable before the body is cut to its headers: a power cut must not bring back a queued
        // message whose body is truncated (done/ itself is not synced: history may be lost)
        queueSync.await(epoch);
        try (FileChannel ch = disk.open(env, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(EnvelopeCodec.encode(finished)));
        }
        Path body = queue.resolve(id.value() + BODY);
        try (FileChannel ch = disk.open(body, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // keep only the header block: truncate the body in place, then move it to done/
            ch.truncate(HeaderBlock.read(new java.io.BufferedInputStream(Channels.newInputStream(ch), 8192)).length);
        } catch (NoSuchFileException gone) {
            return; // no body (removed meanwhile): keep the envelope only
        }
        Files.move(body, done.resolve(id.value() + HEADERS), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public Envelope find(QueueId id) throws IOException {
        for (Path dir : new Path[] {queue, done}) {
            try {
                return EnvelopeCodec.decode(Files.readAllBytes(dir.resolve(id.value() + ENV)));
            } catch (NoSuchFileException e) {
                // not in this directory
            } catch (EnvelopeCodec.CorruptException e) {
                throw new IOException(id + ": unreadable envelope in " + dir + ": " + e.getMessage());
            }
        }
        return null;
    }

    @Override
    public byte[] headers(QueueId id) throws IOException {
        try (InputStream body = openBody(id)) {
            return HeaderBlock.read(body);
        } catch (NoSuchFileException e) {
            try {
                return Files.readAllBytes(done.resolve(id.value() + HEADERS));
            } catch (NoSuchFileException e2) {
                return new byte[0];
            }
        }
    }

    @Override
    public int sweepFinished(java.time.Instant before) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(done, "*" + ENV)) {
            for (Path p : ds) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
                    String name = p.getFileName().toString();
                    Files.deleteIfExists(done.resolve(name.substring(0, name.length() - ENV.length()) + HEADERS));
                    Files.deleteIfExists(p);
                    n++;
                }
            }
        }
        return n;
    }

    @Override
    public void forEachFinished(java.util.function.BiConsumer<Envelope, byte[]> each) throws IOException {
        forEachIn(done, env -> {
            byte[] headers;
            try {
                headers = Files.readAllBytes(done.resolve(env.id().value() + HEADERS));
            } catch (IOException e) {
                headers = new byte[0]; // swept meanwhile, or finished without a body
            }
            each.accept(env, headers);
        });
    }

    @Override
    public void forEach(Consumer<Envelope> each) throws IOException {
        forEachIn(queue, each);
    }

    private void forEachIn(Path dir, Consumer<Envelope> each) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + ENV)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                String idText = name.substring(0, name.length() - ENV.length());
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(p);
                } catch (NoSuchFileException gone) {
                    continue; // delivered and removed while we listed
                }
                try {
                    each.accept(EnvelopeCodec.decode(bytes));
                } catch (EnvelopeCodec.CorruptException e) {
                    if (dir.equals(done)) {
                        log.warn("{}: ignoring unreadable finished envelope: {}", p, e.getMessage());
                    } else if (QueueId.isValid(idText)) {
                        moveAside(new QueueId(idText), e.getMessage());
                    } else {
                        log.warn("{}: ignoring a file that is not a queue file", p);
                    }
                }
            }
        }
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
