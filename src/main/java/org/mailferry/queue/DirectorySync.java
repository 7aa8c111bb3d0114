package org.mailferry.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Group commit for a directory: many threads that renamed files into it each need an fsync of the
 * directory before they may answer; one fsync serves every rename made before it started. A caller
 * takes a ticket after its rename and waits until a sync that started after the ticket completes.
 */
final class DirectorySync {
    private final Path dir;
    private long issued;      // tickets handed out
    private long durable;     // every ticket <= durable is covered by a completed fsync
    private boolean syncing;
    private IOException failure;
    private long failedUpTo = -1;

    DirectorySync(Path dir) {
        this.dir = dir;
    }

    /** Returns once an fsync of the directory that began after this call has completed. */
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
                    throw new IOException("interrupted while waiting for the spool directory sync");
                }
            }
            syncing = true;
        }
        long covers;
        synchronized (this) {
            covers = issued; // every rename with a ticket up to here happened before this fsync
        }
        IOException error = null;
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
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
