package org.mailferry.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.mailferry.queue.Disk;
import org.mailferry.queue.SyncThreads;

/**
 * A disk that misbehaves on purpose, for the spool's files (journal/, queue/, tmp/, done/,
 * corrupt/, webhooks/ under a spool root). It keeps the image the disk would hold after a power cut: per file,
 * the bytes its last successful force covered; per directory, the entries its last successful
 * directory fsync saw. So it can:
 * <ul>
 * <li>fail writes with EIO (half the buffer written first);
 * <li>fail forces with EIO and, as Linux does, drop the pages the failed force covered: the file's
 *     bytes written since its last good force read back as before (zeros past its old end), while
 *     its size stays, and a later good force persists that gap;
 * <li>fail directory fsyncs;
 * <li>cut the power: every later call fails, and {@link #restore} rewrites the directories to the
 *     image (unforced bytes and unsynced names gone).
 * </ul>
 * Forces and directory syncs are not passed to the real disk (the image decides what is durable,
 * and tests run faster). A directory's own name is assumed durable. Files the spool did not open
 * through this disk are taken as durable when a directory sync first sees them.
 */
public final class FaultyDisk implements Disk {
    private final SyncThreads threads = new SyncThreads();
    private static final List<String> DIRS = List.of("journal", "queue", "tmp", "done", "corrupt", "webhooks");

    /** What the disk holds for one file (inode): the bytes the last good force covered. */
    private static final class Inode {
        byte[] durable = new byte[0];
        final List<Write> dirty = new ArrayList<>(); // written since the last force, in order
    }

    /** Bytes written at a position. */
    private record Write(long pos, byte[] data) {
    }

    private final Path root;
    private final Object lock = new Object();
    private final Map<Object, Inode> inodes = new HashMap<>(); // by file key (device, inode number)
    private final Map<Path, Map<String, Inode>> dirs = new LinkedHashMap<>(); // the durable entries
    private volatile boolean failWrites;
    private volatile boolean failSyncs;
    private volatile boolean failDirectorySyncs;
    private volatile boolean dropPages = true;
    private volatile boolean cut;
    public final AtomicInteger failedWrites = new AtomicInteger();
    public final AtomicInteger failedSyncs = new AtomicInteger();
    public final AtomicInteger failedDirectorySyncs = new AtomicInteger();
    public final AtomicInteger syncs = new AtomicInteger();

    /** Takes what is under {@code spoolRoot} now as durable. */
    public FaultyDisk(Path spoolRoot) throws IOException {
        this.root = spoolRoot;
        for (String d : DIRS) {
            Path dir = root.resolve(d);
            Map<String, Inode> entries = new HashMap<>();
            if (Files.isDirectory(dir)) {
                snapshot(dir, entries);
            }
            dirs.put(dir, entries);
        }
    }

    /** Writes fail with EIO while on. */
    public FaultyDisk failWrites(boolean on) {
        failWrites = on;
        return this;
    }

    /** File forces (fsync, fdatasync) fail with EIO while on. */
    public FaultyDisk failSyncs(boolean on) {
        failSyncs = on;
        return this;
    }

    /** Directory fsyncs fail with EIO while on. */
    public FaultyDisk failDirectorySyncs(boolean on) {
        failDirectorySyncs = on;
        return this;
    }

    /** Whether a failed force drops the pages it covered (Linux: yes; default) or wrote them anyway. */
    public FaultyDisk dropPagesOnFailedSync(boolean on) {
        dropPages = on;
        return this;
    }

    /** The power fails: from now on every call fails; {@link #restore} then shows what survived. */
    public void cut() {
        synchronized (lock) {
            cut = true;
        }
    }

    /**
     * After {@link #cut} and once nothing runs on the spool any more: rewrites the spool's
     * directories to what the disk held (unsynced names gone, unforced bytes gone).
     */
    public void restore() throws IOException {
        synchronized (lock) {
            if (!cut) {
                throw new IllegalStateException("restore() without cut()");
            }
            for (Map.Entry<Path, Map<String, Inode>> d : dirs.entrySet()) {
                Path dir = d.getKey();
                if (Files.isDirectory(dir)) {
                    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                        for (Path p : ds) {
                            Files.delete(p);
                        }
                    }
                } else if (!d.getValue().isEmpty()) {
                    Files.createDirectories(dir);
                }
                for (Map.Entry<String, Inode> e : d.getValue().entrySet()) {
                    Files.write(dir.resolve(e.getKey()), e.getValue().durable);
                }
            }
        }
    }

    private static IOException eio(String what, Path p) {
        return new IOException(p + ": " + what + ": Input/output error");
    }

    private void alive(Path p) throws IOException {
        if (cut) {
            throw new IOException(p + ": power cut");
        }
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        alive(file);
        boolean existed = Files.exists(file);
        FileChannel ch = org.mailferry.queue.PrivateFiles.open(file, options);
        Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        Inode inode;
        synchronized (lock) {
            inode = inodes.get(key);
            if (!existed || inode == null) {
                inode = new Inode();
                if (existed) {
                    inode.durable = Files.readAllBytes(file); // not ours until now: as it is
                }
                inodes.put(key, inode);
            }
            if (existed && Set.of(options).contains(StandardOpenOption.TRUNCATE_EXISTING)) {
                inode.dirty.add(new Write(0, new byte[0]));
            }
        }
        return new Channel(ch, inode, file);
    }

    @Override
    public SyncThreads syncThreads() {
        return threads;
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        alive(dir);
        if (failDirectorySyncs) {
            failedDirectorySyncs.incrementAndGet();
            throw eio("fsync", dir);
        }
        synchronized (lock) {
            alive(dir);
            Map<String, Inode> entries = dirs.get(dir);
            if (entries != null) {
                entries.clear();
                snapshot(dir, entries);
            }
        }
    }

    private void snapshot(Path dir, Map<String, Inode> entries) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                try {
                    Object key = Files.readAttributes(p, BasicFileAttributes.class).fileKey();
                    Inode inode = inodes.get(key);
                    if (inode == null) {
                        inode = new Inode();
                        inode.durable = Files.readAllBytes(p);
                        inodes.put(key, inode);
                    }
                    entries.put(p.getFileName().toString(), inode);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // removed while listed
                }
            }
        }
    }

    /** A file channel that fails as told and keeps the inode's durable image. */
    private final class Channel extends FileChannel {
        private final FileChannel ch;
        private final Inode inode;
        private final Path path;

        Channel(FileChannel ch, Inode inode, Path path) {
            this.ch = ch;
            this.inode = inode;
            this.path = path;
        }

        private int written(ByteBuffer src, long pos, boolean positional) throws IOException {
            alive(path);
            int want = src.remaining();
            ByteBuffer part = src.duplicate();
            if (failWrites) {
                failedWrites.incrementAndGet();
                part.limit(part.position() + want / 2);
            }
            byte[] data = new byte[part.remaining()];
            part.duplicate().get(data);
            int n = positional ? ch.write(part, pos) : ch.write(part);
            src.position(src.position() + n);
            dirty(pos, Arrays.copyOf(data, n));
            if (failWrites) {
                throw eio("write", path);
            }
            return n;
        }

        private void dirty(long pos, byte[] data) {
            synchronized (lock) {
                inode.dirty.add(new Write(pos, data));
            }
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return written(src, ch.position(), false);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return written(src, position, true);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            alive(path);
            List<Write> ranges;
            long size;
            synchronized (lock) {
                ranges = new ArrayList<>(inode.dirty);
                inode.dirty.clear();
                size = ch.size();
            }
            if (failSyncs) {
                failedSyncs.incrementAndGet();
                if (dropPages) {
                    synchronized (lock) {
                        for (Write w : ranges) { // the pages read back as the disk has them
                            ByteBuffer old = ByteBuffer.allocate(w.data().length);
                            if (w.pos() < inode.durable.length) {
                                old.put(inode.durable, (int) w.pos(),
                                        (int) Math.min(w.data().length, inode.durable.length - w.pos()));
                            }
                            old.clear();
                            ch.write(old, w.pos());
                        }
                    }
                }
                throw eio("fsync", path);
            }
            byte[] image = Arrays.copyOf(inode.durable, (int) size);
            for (Write w : ranges) {
                long to = Math.min(w.pos() + w.data().length, size);
                if (to > w.pos()) {
                    System.arraycopy(w.data(), 0, image, (int) w.pos(), (int) (to - w.pos()));
                }
            }
            synchronized (lock) {
                alive(path);
                inode.durable = image;
                syncs.incrementAndGet();
            }
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            alive(path);
            return ch.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            alive(path);
            return ch.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            alive(path);
            return ch.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return ch.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            ch.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            alive(path);
            ch.truncate(size);
            dirty(0, new byte[0]);
            return this;
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            alive(path);
            return ch.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException("transferFrom: not used by the spool");
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            if (mode != MapMode.READ_ONLY) {
                throw new UnsupportedOperationException("writable map: not used by the spool");
            }
            return ch.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return ch.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return ch.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            ch.close();
        }
    }
}
