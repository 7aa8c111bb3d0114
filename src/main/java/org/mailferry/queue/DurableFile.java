package org.mailferry.queue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Future;

/**
 * The one way Mailferry writes a file that must appear whole or not at all, Postfix's way: the
 * bytes go to a temporary file (created new, 0600), which is fsynced, then renamed over the target
 * (atomic: a reader sees the old file or the new one), then the directory is synced so the rename
 * survives a power cut. Every step goes through a {@link Disk} (tests inject faults) and every fsync
 * runs on a sync thread nobody interrupts ({@link SyncThreads}). Until {@link #publish} succeeds,
 * {@link #close} removes the temporary file: a failed write leaves nothing behind.
 * <p>
 * Used for queue files (FileSpool: envelope and body at commit, envelope at update), the webhook
 * outbox, the maildrop written by {@code sendmail}, the admin token and the public sendmail.conf.
 * {@link #write} is the whole routine for bytes in hand; a caller that streams the content, syncs
 * two files at once or sets the file's group takes the steps one by one.
 */
public final class DurableFile implements AutoCloseable {

    /** When the directory holding the renamed file is synced. */
    public enum DirectorySync {
        /** Before {@link #publish} returns. */
        NOW,
        /**
         * Before {@link #publish} returns when this user may open the directory; a user may write
         * into a 1733 maildrop without being able to open it (then only the file itself is durable:
         * docs/sendmail.md).
         */
        NOW_IF_PERMITTED,
        /** Not here: the caller syncs the directory once for a batch of files (the webhook outbox). */
        BY_CALLER
    }

    private final Disk disk;
    private final Path tmp;
    private final FileChannel channel;
    private OutputStream stream;
    private boolean published;

    private DurableFile(Disk disk, Path tmp) throws IOException {
        this.disk = disk;
        this.tmp = tmp;
        this.channel = createNew(disk, tmp);
    }

    /** Created new, so with our mode and never through a link; a leftover of a crash is removed first. */
    private static FileChannel createNew(Disk disk, Path tmp) throws IOException {
        try {
            return disk.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException leftover) {
            Files.delete(tmp);
            return disk.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        }
    }

    /** Starts a file at {@code tmp}: the caller's temporary name, in the target's file system. */
    public static DurableFile create(Disk disk, Path tmp) throws IOException {
        return new DurableFile(disk, tmp);
    }

    /** The whole routine: {@code content} written to {@code tmp}, synced, renamed to {@code target}. */
    public static void write(Disk disk, Path tmp, Path target, byte[] content, DirectorySync sync)
            throws IOException {
        write(disk, tmp, target, content, null, sync);
    }

    /** As {@link #write(Disk, Path, Path, byte[], DirectorySync)}, with the file's mode ("rw-r--r--"; null: 0600). */
    public static void write(Disk disk, Path tmp, Path target, byte[] content, String mode, DirectorySync sync)
            throws IOException {
        try (DurableFile f = create(disk, tmp)) {
            f.write(content);
            f.sync();
            if (mode != null) {
                f.mode(mode);
            }
            f.publish(target, sync);
        }
    }

    public Path tmp() {
        return tmp;
    }

    /** A buffered stream into the file (the body of a message being received). */
    OutputStream stream() {
        if (stream == null) {
            stream = new BufferedOutputStream(Channels.newOutputStream(channel), 65536);
        }
        return stream;
    }

    public void write(byte[] content) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    /** fsync of what was written (the stream flushed first). */
    public void sync() throws IOException {
        GroupSync.join(startSync());
    }

    /** Starts the fsync on a sync thread, for a caller that syncs two files at once ({@link GroupSync#join}). */
    Future<?> startSync() throws IOException {
        if (stream != null) {
            stream.flush();
        }
        return disk.syncThreads().start(() -> channel.force(true));
    }

    /** Sets the mode before the file gets its name, whatever the umask ("r--r--r--"). */
    public void mode(String mode) throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(mode));
    }

    /** Renames the synced file over {@code target} and makes the rename durable as {@code sync} says. */
    public void publish(Path target, DirectorySync sync) throws IOException {
        rename(target);
        if (sync == DirectorySync.BY_CALLER) {
            return;
        }
        try {
            disk.syncThreads().run(() -> disk.syncDirectory(target.getParent()));
        } catch (AccessDeniedException e) {
            if (sync != DirectorySync.NOW_IF_PERMITTED) {
                throw e;
            }
        }
    }

    /**
     * Renames the synced file over {@code target}, the directory synced by {@code group} (one
     * directory fsync for the renames of many threads: the queue).
     */
    void publish(Path target, GroupSync group) throws IOException {
        long epoch = group.epoch();
        rename(target);
        group.await(epoch);
    }

    /** The rename alone: the caller syncs the directory (FileSpool's commit renames two files first). */
    void rename(Path target) throws IOException {
        channel.close();
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        published = true;
    }

    /** Removes the temporary file unless it was published; safe to call twice. */
    @Override
    public void close() throws IOException {
        if (published) {
            return;
        }
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Creates a directory of messages or their history (when missing): 0700, whatever the umask;
     * its parent is synced, so the name survives a power cut.
     */
    static void createDirectory(Path dir, Disk disk) throws IOException {
        boolean created = !Files.isDirectory(dir);
        PrivateFiles.createDirectory(dir);
        if (created) {
            disk.syncThreads().run(() -> disk.syncDirectory(dir.getParent()));
        }
    }
}
