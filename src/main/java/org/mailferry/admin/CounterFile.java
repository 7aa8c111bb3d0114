package org.mailferry.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's per-minute counters ({@link MinuteCounters}) kept across a restart in
 * {@code SPOOL/console-counters}: read once at start, written at most once a minute (when a new
 * minute began since the last writing) and when the daemon stops, under a temporary name then
 * renamed, so a reader never sees half a file. Not fsynced: a crash loses at most the last
 * minute's counts, never a message. A file that cannot be read is set aside with one log line and
 * the charts start empty, as before; the daemon starts anyway.
 */
final class CounterFile {
    static final String FILE = "console-counters";
    private static final Logger log = LoggerFactory.getLogger("mailferry.admin");

    private final Path file;
    private final MinuteCounters counters;
    private long writtenMinute = Long.MIN_VALUE;

    CounterFile(Path spoolRoot, MinuteCounters counters) {
        this.file = spoolRoot.resolve(FILE);
        this.counters = counters;
    }

    /** Adds the counters the last run wrote (the 24 hours up to {@code now}); nothing when there is no file. */
    void load(Instant now) {
        writtenMinute = Math.floorDiv(now.getEpochSecond(), 60); // the file holds this minute already
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            log.warn("console: the charts start empty: cannot read {}: {}", file, e.toString());
            return;
        }
        try {
            counters.decode(data, now);
        } catch (IllegalArgumentException e) {
            Path aside = file.resolveSibling(FILE + ".bad");
            log.warn("console: the charts start empty: {} is damaged ({}); moved to {}", file, e.getMessage(), aside);
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException moveFailed) {
                log.warn("console: cannot move {} aside: {}", file, moveFailed.toString());
            }
        }
    }

    /** Writes the counters when a new minute began since the last writing; true when written. */
    synchronized boolean saveIfDue(Instant now) {
        long minute = Math.floorDiv(now.getEpochSecond(), 60);
        if (minute == writtenMinute) {
            return false;
        }
        save(now);
        return true;
    }

    /** Writes the counters now (the daemon stops). */
    synchronized void save(Instant now) {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        try {
            Files.write(tmp, counters.encode(now));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            writtenMinute = Math.floorDiv(now.getEpochSecond(), 60);
        } catch (IOException e) {
            log.warn("console: the charts' counters not written to {}: {}", file, e.toString());
        }
    }
}
