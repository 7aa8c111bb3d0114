package org.mailferry.queue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One journal segment file: how many of its messages are live, and for the segment this process
 * writes, its writer, its group sync and how far its good syncs reached. A segment with a failed
 * write or sync is broken: it takes no more appends and is valid only up to {@link #validEnd}.
 */
final class Segment {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    final Path path;
    final long sequence;
    final AtomicInteger live = new AtomicInteger();
    FileChannel channel; // opened for reading on first use
    FileChannel writer;  // the current segment's (this process writes only its own segments)
    GroupSync sync;
    volatile long size;
    volatile long syncedSize;    // the end the last good sync covered (before any failure)
    volatile boolean syncFailed; // set by the failing sync itself: no later sync moves syncedSize
    long writeFailedAt = -1;     // guarded by the journal
    long zeroedEnd;              // zeros written ahead of the records up to here; guarded by the journal
    long sealedAt = -1;          // the end in the last SEAL written for it; guarded by the journal
    Segment sealedIn;            // where that SEAL is; guarded by the journal
    boolean failureLogged;       // guarded by the journal

    Segment(Path path, long sequence) {
        this.path = path;
        this.sequence = sequence;
    }

    boolean broken() {
        return syncFailed || writeFailedAt >= 0;
    }

    /** Where this segment's valid records end: every record after it was refused. */
    long validEnd() {
        long end = writeFailedAt >= 0 ? writeFailedAt : Long.MAX_VALUE;
        return syncFailed ? Math.min(end, syncedSize) : end;
    }

    /** Closes its channels (it is deleted, or the daemon stops). */
    synchronized void close() {
        for (FileChannel ch : new FileChannel[] {channel, writer}) {
            try {
                if (ch != null) {
                    ch.close();
                }
            } catch (IOException e) {
                log.warn("{}: close: {}", path, e.toString());
            }
        }
    }

    synchronized FileChannel reader() throws IOException {
        if (channel == null || !channel.isOpen()) { // an interrupted reader closes it
            channel = FileChannel.open(path, StandardOpenOption.READ);
        }
        return channel;
    }

    /** {@code length} bytes from {@code position}, with positional reads of the shared reader. */
    InputStream read(long position, int length) throws IOException {
        FileChannel ch = reader();
        return new InputStream() {
            private long pos = position;
            private final long end = position + length;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= end) {
                    return -1;
                }
                int n = ch.read(java.nio.ByteBuffer.wrap(b, off, (int) Math.min(len, end - pos)), pos);
                if (n < 0) {
                    throw new java.io.EOFException(path + ": ends inside a message body");
                }
                pos += n;
                return n;
            }
        };
    }
}
