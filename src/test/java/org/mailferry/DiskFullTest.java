package org.mailferry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmallTmpfs;
import org.mailferry.testing.Submitter;
import org.mailferry.testing.TestSmarthost;

/**
 * Disk full: the spool on a 2 MiB tmpfs. The listener answers 452 4.3.1 once the spool cannot
 * take a message, every message that got a 250 is still there and is delivered later, and
 * service resumes when space returns. Needs root for mount; skipped otherwise unless
 * MAILFERRY_REQUIRE_INTEROP=1.
 */
class DiskFullTest {
    private static final Pattern TOKEN = Pattern.compile("Subject: full-(\\d+)");

    @TempDir
    Path dir;

    @Test
    void fullSpoolAnswers452KeepsWhatWasAckedAndRecovers() throws Exception {
        try (SmallTmpfs disk = SmallTmpfs.mount(dir.resolve("small"), "2m")) {
            fillAndRecover(disk);
        }
    }

    private void fillAndRecover(SmallTmpfs disk) throws Exception {
        Path spool = disk.path.resolve("spool");
        Set<Integer> acked = new HashSet<>();
        String body = "x".repeat(76) + "\r\n";
        Reply refused = null;
        try (RelayFixture relay = new RelayFixture(spool).start()) { // no smarthost: everything stays queued
            for (int n = 0; n < 100 && refused == null; n++) {
                Reply r = Submitter.send(relay.address(), "a@client.test", List.of("x@dest.test"),
                        "Subject: full-" + n + "\r\n\r\n" + body.repeat(2000)); // ~156 KiB each
                if (r.code() == 250) {
                    acked.add(n);
                } else {
                    refused = r;
                }
            }
            assertThat(refused).as("the spool filled up").isNotNull();
            assertThat(refused.oneLine()).startsWith("452 4.3.1");
            assertThat(acked).isNotEmpty();
            try (Stream<Path> tmp = Files.list(spool.resolve("tmp"))) {
                assertThat(tmp.count()).as("no partial file left behind").isZero();
            }

            disk.resize("64m"); // space returns
            Reply after = Submitter.send(relay.address(), "a@client.test", List.of("x@dest.test"),
                    "Subject: full-1000\r\n\r\nsmall\r\n");
            assertThat(after.code()).isEqualTo(250);
            acked.add(1000);
        }
        try (TestSmarthost smarthost = new TestSmarthost();
             RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port()).start()) {
            Set<Integer> delivered = new HashSet<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!delivered.containsAll(acked) && System.nanoTime() < end) {
                TestSmarthost.Received r = smarthost.take(1, TimeUnit.SECONDS);
                if (r != null) {
                    Matcher mt = TOKEN.matcher(r.text());
                    assertThat(mt.find()).isTrue();
                    delivered.add(Integer.parseInt(mt.group(1)));
                }
            }
            assertThat(delivered).containsExactlyInAnyOrderElementsOf(new ArrayList<>(acked));
            assertThat(relay.events).isNotEmpty();
        }
    }
}
