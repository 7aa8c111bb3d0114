package org.mailferry.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How the spool opens the files it writes and syncs its directories: {@link #SYSTEM} in the daemon;
 * in tests, a disk that fails writes and syncs on purpose or loses what was not synced (a power
 * cut). Reads, renames and deletions go to the file system directly.
 */
public interface Disk {
    /** Opens a file the spool writes (or reads through the same channel). */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** fsync of a directory: makes the creations, renames and deletions in it durable. */
    void syncDirectory(Path dir) throws IOException;

    /** The file system as it is. */
    Disk SYSTEM = new Disk() {
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
