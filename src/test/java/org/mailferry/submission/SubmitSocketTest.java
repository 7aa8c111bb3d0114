package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.ConfigLoader;
import org.mailferry.queue.JournalSpool;

class SubmitSocketTest {
    @TempDir
    Path dir;

    @Test
    @org.junit.jupiter.api.Timeout(20) // without the deadline the read below would wait forever
    void aRequestThatNeverEndsIsClosedAtTheDeadlineAndOthersAreServed() throws Exception {
        JournalSpool spool = new JournalSpool(dir.resolve("spool"), Clock.systemUTC(), 0);
        LocalSubmission local = new LocalSubmission(
                SessionSettings.from(ConfigLoader.load(null, java.util.Map.of()).smtpd(), Clock.systemUTC()), spool,
                env -> { });
        Path path = SubmitSocket.pathIn(dir.resolve("spool"));
        try (SubmitSocket socket = SubmitSocket.start(path, local, out -> out.print("listing\n"), () -> 0,
                (r, u, q) -> new SendRequest.Jvm("unused"), Duration.ofMillis(300),
                new org.mailferry.queue.QueueAccess("root", "", java.util.List.of("anyone")))) {
            try (SocketChannel idle = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                idle.write(java.nio.ByteBuffer.wrap("SUBMIT\nmailferry-drop 1\n".getBytes(StandardCharsets.US_ASCII)));
                long t0 = System.nanoTime();
                InputStream in = Channels.newInputStream(idle);
                assertThat(in.read()).as("the daemon closed the connection").isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
            }
            try (SocketChannel list = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
                list.write(java.nio.ByteBuffer.wrap("LIST\n".getBytes(StandardCharsets.US_ASCII)));
                assertThat(new String(Channels.newInputStream(list).readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("listing\n");
            }
        }
        spool.close();
    }
}
