package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class DeadlineTest {
    private final ServerSocket server;
    private final List<Socket> sockets = new ArrayList<>();

    DeadlineTest() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    }

    private Socket connected() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        sockets.add(s);
        sockets.add(server.accept());
        return s;
    }

    @AfterEach
    void close() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        server.close();
    }

    @Test
    void aShortDeadlineArmedAfterALongOneClosesItsSocketAndADisarmedOneNever() throws Exception {
        Socket longOne = connected();
        Socket disarmed = connected();
        Socket shortOne = connected();
        try (Deadline whole = Deadline.arm(longOne, 600_000, "transaction")) {
            Deadline.arm(disarmed, 50, "write").close(); // done in time
            Deadline d = Deadline.arm(shortOne, 150, "reply");
            while (!shortOne.isClosed()) {
                Thread.onSpinWait(); // no sleep: the watchdog must come for it (the test's timeout bounds it)
            }
            assertThat(d.expired()).isTrue();
            assertThat(d.timeout()).hasMessageContaining("reply not completed within 150 ms");
            // it was due before the short one, so had it stayed armed it would be closed by now
            assertThat(disarmed.isClosed()).isFalse();
            assertThat(whole.expired()).isFalse();
            assertThat(longOne.isClosed()).isFalse();
        }
    }

    @Test
    void armingAndDisarmingDeadlinesDueLaterDoesNotWakeTheWatchdogEachTime() throws Exception {
        Socket s = connected();
        long before = Deadline.wakeUps();
        for (int i = 0; i < 2_000; i++) { // as a delivery worker does for its writes and transactions
            try (Deadline d = Deadline.arm(s, 300_000, "write")) {
                assertThat(d.expired()).isFalse();
            }
        }
        // at most the once-a-second look (and one wake-up racing it); the executor woke for each
        assertThat(Deadline.wakeUps() - before).isLessThan(10);
        assertThat(s.isClosed()).isFalse();
    }
}
