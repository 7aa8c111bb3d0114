package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.mailferry.message.QueueId;

/**
 * Coverage-guided fuzzing (Jazzer) of what the spool reads back after a crash: any bytes in a
 * journal segment (after one valid message) or in a history log give the valid records before the
 * damage and nothing else, never an exception. Regression mode replays the committed inputs;
 * test-scripts/fuzz.sh fuzzes longer.
 */
class SpoolFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void journalSegment(FuzzedDataProvider data) throws IOException {
        Path root = Files.createTempDirectory("mailferry-fuzz");
        try {
            QueueId good;
            JournalSpool spool = new JournalSpool(root, Clock.systemUTC(), 1 << 20);
            spool.recover();
            try (Spool.Incoming in = spool.create()) {
                in.body().write("Subject: kept\r\n\r\nbody\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                spool.commit(in, JournalSpoolTest.envelope(in.id()));
                good = in.id();
            }
            spool.close();
            Path segment;
            try (var s = Files.list(root.resolve("journal"))) {
                segment = s.findFirst().orElseThrow();
            }
            Files.write(segment, data.consumeRemainingAsBytes(), java.nio.file.StandardOpenOption.APPEND);

            JournalSpool reopened = new JournalSpool(root, Clock.systemUTC(), 1 << 20);
            reopened.recover();
            List<QueueId> ids = new ArrayList<>();
            reopened.forEach(e -> ids.add(e.id()));
            assertThat(ids).contains(good);
            for (QueueId id : ids) {
                try (var body = reopened.openBody(id)) {
                    body.readAllBytes();
                }
            }
            reopened.close();
        } finally {
            delete(root);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void historyLog(FuzzedDataProvider data) throws IOException {
        Path root = Files.createTempDirectory("mailferry-fuzz");
        try {
            JournalSpool spool = new JournalSpool(root, Clock.systemUTC(), 1 << 20);
            Files.write(root.resolve("done/history-2026010100.log"), data.consumeRemainingAsBytes());
            spool.forEachFinished((env, headers) -> assertThat(env.id()).isNotNull());
            assertThat(spool.find(QueueId.next(1_767_225_600_000L))).isNull();
            spool.sweepFinished(java.time.Instant.now().plusSeconds(60));
        } finally {
            delete(root);
        }
    }

    private static void delete(Path root) throws IOException {
        try (var all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
