package org.mailferry.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the spool opens the files it writes and syncs its directories, and the threads its fsyncs
 * run on: {@link #system(SyncThreads)} in the daemon (which owns and closes the threads),
 * {@link #system()} in a one-shot command; in tests, a disk that fails writes and syncs on purpose
 * or loses what was not synced (a power cut). Reads, renames and deletions go to the file system
 * directly.
 */
public interface Disk {
    /** Opens a file the spool writes (or reads through the same channel). */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** fsync of a directory: makes the creations, renames and deletions in it durable. */
    void syncDirectory(Path dir) throws IOException;

    /** The threads this disk's fsyncs run on (never interrupted). */
    SyncThreads syncThreads();

    /** The file system as it is, its fsyncs on threads of a command's own. */
    static Disk system() {
        return system(new SyncThreads());
    }

    /** The file system as it is, its fsyncs on {@code threads} (the daemon's, closed when it stops). */
    static Disk system(SyncThreads threads) {
        return new Disk() {
            @Override
            public SyncThreads syncThreads() {
                return threads;
            }

            @Override
            public FileChannel open(Path file, OpenOption... options) throws IOException {
                return PrivateFiles.open(file, options); // created 0600
            }

            @Override
            public void syncDirectory(Path dir) throws IOException {
                try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                    ch.force(true);
                }
            }
        };
    }
}
