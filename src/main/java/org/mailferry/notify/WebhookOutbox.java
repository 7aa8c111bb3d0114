package org.mailferry.notify;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import org.mailferry.message.QueueId;
import org.mailferry.queue.Disk;
import org.mailferry.queue.DurableFile;
import org.mailferry.queue.PrivateFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook outbox in the spool, {@code SPOOL/webhooks/}: one file per event and URL, named
 * {@code EVENTID-N.hook} (N: the URL's place in {@code webhook.url}), holding the URL, the time it
 * was made, the event type and the JSON body, one per line. Written under a temporary name, fsynced,
 * renamed ({@link DurableFile}); the caller fsyncs the directory once for a batch ({@link #sync}).
 * Directory 0700, files 0600 ({@link PrivateFiles}); written through the spool's {@link Disk}, so
 * the tests' failing or power-cut disk covers it too.
 */
final class WebhookOutbox {
    private static final Logger log = LoggerFactory.getLogger("mailferry.webhook");
    static final String SUFFIX = ".hook";

    /** One stored delivery of one event to one URL. */
    record Stored(Path file, String id, URI url, String event, String body, Instant created) {
        /** The queue id in the event id, or null (a file from a version whose ids did not hold one). */
        QueueId queueId() {
            int dot = id.indexOf('.');
            return dot > 0 && QueueId.isValid(id.substring(0, dot)) ? new QueueId(id.substring(0, dot)) : null;
        }
    }

    private final Path dir;
    private final Disk disk;

    WebhookOutbox(Path dir, Disk disk) throws IOException {
        this.dir = dir;
        this.disk = disk;
        PrivateFiles.createDirectory(dir); // payloads name senders, recipients and replies
    }

    Path directory() {
        return dir;
    }

    /** Writes one delivery (file fsynced; its name durable only after {@link #sync}). */
    Stored store(String id, int urlIndex, URI url, String event, String body, Instant created) throws IOException {
        Path file = dir.resolve(id + "-" + urlIndex + SUFFIX);
        String content = url + "\n" + created.toEpochMilli() + "\n" + event + "\n" + body;
        DurableFile.write(disk, dir.resolve(file.getFileName() + ".tmp"), file, content.getBytes(StandardCharsets.UTF_8),
                DurableFile.DirectorySync.BY_CALLER); // one directory sync for a batch: sync()
        return new Stored(file, id, url, event, body, created);
    }

    /** Makes the names of the files stored so far durable. */
    void sync() throws IOException {
        disk.syncDirectory(dir);
    }

    static void delete(Stored s) {
        try {
            Files.deleteIfExists(s.file());
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", s.file(), e.toString());
        }
    }

    /**
     * What a previous run left, oldest first. Removes temporary files, unreadable files, and
     * "received" deliveries of messages that are not {@code known}: stored before a commit that a
     * crash or a failed sync stopped, so never queued and never acknowledged.
     */
    List<Stored> load(Predicate<QueueId> known) throws IOException {
        List<Stored> found = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.deleteIfExists(p);
                } else if (name.endsWith(SUFFIX)) {
                    Stored s = read(p);
                    if (s == null) {
                        log.warn("{}: not a webhook file, removed", p);
                        Files.deleteIfExists(p);
                    } else if (s.event().equals("received") && s.queueId() != null && !known.test(s.queueId())) {
                        log.info("{}: webhook {} for a message that was never queued, removed", s.queueId(), s.id());
                        Files.deleteIfExists(p);
                    } else {
                        found.add(s);
                    }
                }
            }
        }
        found.sort(Comparator.comparing(Stored::created).thenComparing(s -> s.file().getFileName().toString()));
        return found;
    }

    private static Stored read(Path p) throws IOException {
        String[] parts = Files.readString(p, StandardCharsets.UTF_8).split("\n", 4);
        String name = p.getFileName().toString();
        try {
            return new Stored(p, name.substring(0, name.lastIndexOf('-')), URI.create(parts[0]), parts[2], parts[3],
                    Instant.ofEpochMilli(Long.parseLong(parts[1])));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
