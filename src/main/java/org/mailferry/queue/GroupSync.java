package org.mailferry.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Group commit: many threads that each changed a file (or renamed into a directory) need an fsync
 * before they may answer; one fsync serves every change made before it started. A caller takes a
 * ticket after its change and waits until a sync that started after the ticket completes.
 */
final class GroupSync {
    /** The fsync (or fdatasync) that makes the changes durable. */
    interface Action {
        void sync() throws IOException;
    }

    private final Action action;
    private long issued;      // tickets handed out
    private long durable;     // every ticket <= durable is covered by a completed fsync
    private boolean syncing;
    private IOException failure;
    private long failedUpTo = -1;

    GroupSync(Action action) {
        this.action = action;
    }

    /** For a directory: fsync of the directory itself (renames and creations in it). */
    static GroupSync ofDirectory(Path dir) {
        return new GroupSync(() -> {
            try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
                ch.force(true);
            }
        });
    }

    /** Returns once a sync that began after this call has completed. */
    void await() throws IOException {
        long ticket;
        synchronized (this) {
            ticket = ++issued;
            while (true) {
                if (durable >= ticket) {
                    return;
                }
                if (failedUpTo >= ticket) {
                    throw failure;
                }
                if (!syncing) {
                    break; // this thread runs the next fsync for everyone waiting
                }
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for a spool sync");
                }
            }
            syncing = true;
        }
        long covers;
        synchronized (this) {
            covers = issued; // every rename with a ticket up to here happened before this fsync
        }
        IOException error = null;
        try {
            action.sync();
        } catch (IOException e) {
            error = e;
        }
        synchronized (this) {
            syncing = false;
            if (error == null) {
                durable = Math.max(durable, covers);
            } else {
                failure = error;
                failedUpTo = covers;
            }
            notifyAll();
            if (error != null) {
                throw error;
            }
        }
    }
}
