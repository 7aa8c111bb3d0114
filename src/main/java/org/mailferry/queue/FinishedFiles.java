package org.mailferry.queue;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.function.BiConsumer;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history of messages that finished from queue files: {@code done/ID.env} (the final envelope,
 * with its attempts) and {@code done/ID.headers} (the body cut to its header block), kept for
 * status lookups until swept. Never fsynced: losing history in a crash loses no message. (Messages
 * that finished straight from the journal are in {@link HistoryLog} instead.)
 */
final class FinishedFiles {
    private static final Logger log = LoggerFactory.getLogger("mailferry.spool");
    static final String HEADERS = ".headers";

    private final Path done;
    private final Disk disk;

    FinishedFiles(Path done, Disk disk) {
        this.done = done;
        this.disk = disk;
    }

    /** Where a finished message's envelope is kept: the queue renames it here first. */
    Path envelope(QueueId id) {
        return done.resolve(id.value() + FileSpool.ENV);
    }

    /**
     * Completes the history of a message whose envelope was just renamed to {@link #envelope}:
     * rewrites it in place with the final state, and keeps the header block of {@code body} (cut
     * in place, then renamed here). Renames and in-place writes only: creating files is what costs
     * most per message (inode allocation).
     */
    void keep(Envelope finished, Path body) throws IOException {
        QueueId id = finished.id();
        try (FileChannel ch = disk.open(envelope(id), StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(EnvelopeCodec.encode(finished)));
        }
        try (FileChannel ch = disk.open(body, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // keep only the header block: truncate the body in place, then move it to done/
            ch.truncate(HeaderBlock.read(new BufferedInputStream(Channels.newInputStream(ch), 8192)).length);
        } catch (NoSuchFileException gone) {
            return; // no body (removed meanwhile): keep the envelope only
        }
        Files.move(body, done.resolve(id.value() + HEADERS), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * A finished message's final envelope, or null. {@link #keep} rewrites the file in place
     * (truncate, write) just after the rename: a reader coming in between (the console's message
     * view, reloading on the message's last event) finds it empty or cut, so an envelope that does
     * not decode is read again, up to {@link #REREADS} times 10 ms apart, before it is reported.
     */
    Envelope find(QueueId id) throws IOException {
        Path file = envelope(id);
        for (int read = 1; ; read++) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                return null;
            }
            try {
                return EnvelopeCodec.decode(bytes);
            } catch (EnvelopeCodec.CorruptException e) {
                if (read == REREADS) {
                    throw new IOException(id + ": unreadable envelope in " + done + ": " + e.getMessage());
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted reading " + file);
            }
        }
    }

    /** How many times {@link #find} reads an envelope that does not decode (being rewritten). */
    static final int REREADS = 20;

    /** A finished message's header block, or an empty array. */
    byte[] headers(QueueId id) throws IOException {
        try {
            return Files.readAllBytes(done.resolve(id.value() + HEADERS));
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
    }

    /** Deletes the messages whose envelope was last written before {@code before}; returns how many. */
    int sweep(Instant before) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(done, "*" + FileSpool.ENV)) {
            for (Path p : ds) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
                    String name = p.getFileName().toString();
                    Files.deleteIfExists(done.resolve(name.substring(0, name.length() - FileSpool.ENV.length()) + HEADERS));
                    Files.deleteIfExists(p);
                    n++;
                }
            }
        }
        return n;
    }

    void forEach(BiConsumer<Envelope, byte[]> each) throws IOException {
        EnvelopeFiles.forEach(done, env -> {
            byte[] headers;
            try {
                headers = Files.readAllBytes(done.resolve(env.id().value() + HEADERS));
            } catch (IOException e) {
                headers = new byte[0]; // swept meanwhile, or finished without a body
            }
            each.accept(env, headers);
        }, (p, why) -> log.warn("{}: ignoring unreadable finished envelope: {}", p, why));
    }
}
