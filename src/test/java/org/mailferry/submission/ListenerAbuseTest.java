package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.SmtpScript;
import org.mailferry.testing.Submitter;

/**
 * Bad input and abuse on the listener: every case gets a clear reply with an enhanced status
 * code, nothing is buffered without bound, and a well-behaved client is served meanwhile.
 */
class ListenerAbuseTest {
    @TempDir
    Path spool;
    private RelayFixture relay;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        if (relay != null) {
            relay.close();
        }
    }

    private RelayFixture start(String... keyValues) throws Exception {
        relay = new RelayFixture(spool);
        for (int i = 0; i < keyValues.length; i += 2) {
            relay.set(keyValues[i], keyValues[i + 1]);
        }
        return relay.start();
    }

    private SmtpScript connect() throws IOException {
        SmtpScript s = SmtpScript.connect(relay.address());
        closing.add(s);
        return s;
    }

    private void normalClientGetsThrough() throws IOException {
        Reply r = Submitter.send(relay.address(), "good@client.test", List.of("x@dest.test"),
                "Subject: fine\r\n\r\nhello\r\n");
        assertThat(r.code()).isEqualTo(250);
    }

    @Test
    void randomCommandsGetSyntaxRepliesThenTheSessionEnds() throws Exception {
        start();
        SmtpScript s = connect();
        Random rnd = new Random(7);
        Reply last = null;
        for (int i = 0; i < SessionSettings.MAX_ERRORS; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(60)];
            for (int j = 0; j < junk.length; j++) {
                junk[j] = (byte) (0x21 + rnd.nextInt(0x5e));
            }
            s.raw(junk);
            s.raw("\r\n");
            last = s.reply();
            assertThat(last.code()).isIn(500, 501, 502, 503);
            assertThat(last.status()).isNotNull();
        }
        last = s.reply(); // after the error limit
        assertThat(last.oneLine()).startsWith("421 4.5.0");
        assertThat(s.closedByServer()).isTrue();
        normalClientGetsThrough();
    }

    @Test
    void malformedCommandsGetClearReplies() throws Exception {
        start();
        SmtpScript s = connect();
        assertThat(s.send("EHLO client.test").code()).isEqualTo(250);
        assertThat(s.send("MAIL FROM:<a@b\u0000c>").oneLine()).startsWith("500 5.5.2").contains("NUL");
        s.raw(new byte[] {'M', 'A', 'I', 'L', ' ', 'F', 'R', 'O', 'M', ':', '<', (byte) 0xC3, (byte) 0x28, '>', '\r',
                '\n'});
        assertThat(s.reply().oneLine()).startsWith("500 5.5.2").contains("UTF-8");
        assertThat(s.send("MAIL FROM:a@b").code()).isEqualTo(501);
        // found by fuzzing: '>' inside a quoted local part passed the parser, then failed in Address
        assertThat(s.send("MAIL FROM:<\"a>b\"@x.test>").oneLine()).startsWith("501 5.1.7");
        assertThat(s.send("MAIL FROM:<a@b> FOO=BAR").oneLine()).startsWith("555 5.5.4");
        assertThat(s.send("RCPT TO:<x@y>").oneLine()).startsWith("503 5.5.1");
        assertThat(s.send("DATA").oneLine()).startsWith("503 5.5.1");
        assertThat(s.send("MAIL FROM:<a@b> SIZE=99999999999").oneLine()).startsWith("552 5.3.4");
        assertThat(s.send("MAIL FROM:<a@b> SIZE=x").oneLine()).startsWith("501 5.5.4");
        assertThat(s.send("MAIL FROM:<a@b>").code()).isEqualTo(250);
        assertThat(s.send("RCPT TO:<>").oneLine()).startsWith("501 5.1.3");
        assertThat(s.send("NOOP").code()).isEqualTo(250);
        // a CR echoed in a reply would let the client forge reply lines
        assertThat(s.send("RSET").code()).isEqualTo(250);
        s.raw("MAIL FROM:<a@b> X\r250-forged\r\n");
        java.io.InputStream raw = s.input();
        byte[] line = new byte[200];
        int n = raw.read(line);
        String reply = new String(line, 0, n, StandardCharsets.ISO_8859_1);
        assertThat(reply).startsWith("501 5.1.7").endsWith("\r\n");
        assertThat(reply.indexOf('\r')).isEqualTo(reply.length() - 2);
    }

    @Test
    void overlongCommandLinesAreDiscardedWithoutBuffering() throws Exception {
        start();
        SmtpScript s = connect();
        byte[] line = new byte[8 * 1024 * 1024]; // far beyond any buffer the session may keep
        java.util.Arrays.fill(line, (byte) 'A');
        s.raw(line);
        s.raw("\r\n");
        assertThat(s.reply().oneLine()).startsWith("500 5.5.2 Line too long");
        assertThat(s.send("EHLO client.test").code()).isEqualTo(250);
    }

    @Test
    void hugeHeaderBlockIsRefusedBySize() throws Exception {
        start("smtpd.max_message_size", "1MiB");
        SmtpScript s = connect();
        s.send("EHLO client.test");
        s.send("MAIL FROM:<a@client.test>");
        s.send("RCPT TO:<x@dest.test>");
        assertThat(s.send("DATA").code()).isEqualTo(354);
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 40_000; i++) {
            headers.append("X-Header-").append(i).append(": ").append("v".repeat(60)).append("\r\n");
        }
        s.raw(headers + "\r\nbody\r\n.\r\n");
        assertThat(s.reply().oneLine()).startsWith("552 5.3.4");
        assertThat(s.send("NOOP").code()).as("the session stays in step").isEqualTo(250);
    }

    @Test
    void tooManyRecipientsGet452() throws Exception {
        start("smtpd.max_recipients", "3");
        SmtpScript s = connect();
        s.send("EHLO client.test");
        s.send("MAIL FROM:<a@client.test>");
        for (int i = 0; i < 3; i++) {
            assertThat(s.send("RCPT TO:<r" + i + "@dest.test>").code()).isEqualTo(250);
        }
        assertThat(s.send("RCPT TO:<r4@dest.test>").oneLine()).startsWith("452 4.5.3");
    }

    @Test
    void connectionsBeyondTheLimitGet421AndOthersAreStillServed() throws Exception {
        start("smtpd.max_connections", "3");
        List<SmtpScript> held = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            held.add(connect());
        }
        SmtpScript third = connect();
        try (Socket extra = new Socket()) {
            extra.connect(relay.address(), 2000);
            extra.setSoTimeout(5000);
            String reply = new String(extra.getInputStream().readNBytes(3), StandardCharsets.US_ASCII);
            assertThat(reply).isEqualTo("421");
        }
        third.send("QUIT");
        third.close();
        Thread.sleep(200); // the slot is released when the session thread ends
        normalClientGetsThrough();
        assertThat(held).hasSize(2);
    }

    @Test
    void closingTheListenerEndsItsSessionsAndTheirThreads() throws Exception {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        start();
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket s = new Socket();
            closing.add(s);
            s.connect(relay.address(), 2000);
            s.setSoTimeout(5000);
            assertThat(line(s)).startsWith("220 ");
            s.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII)); // answered by its session's thread
            assertThat(line(s)).startsWith("250 ");
            clients.add(s);
        }
        assertThat(sessionThreads(before)).hasSize(3); // one platform thread per session
        relay.close();
        relay = null;
        for (Socket s : clients) { // each session is cut: the client sees its end, not a hang
            int n;
            try {
                n = s.getInputStream().read(new byte[4096]);
                while (n > 0) {
                    n = s.getInputStream().read(new byte[4096]);
                }
            } catch (java.net.SocketException reset) {
                n = -1;
            }
            assertThat(n).isEqualTo(-1);
        }
        long end = System.nanoTime() + 5_000_000_000L;
        while (!sessionThreads(before).isEmpty() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(sessionThreads(before)).isEmpty();
    }

    private static List<Thread> sessionThreads(java.util.Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("smtpd-") && !t.getName().equals("smtpd-accept"))
                .filter(t -> !before.contains(t)).toList();
    }

    /** Opens n connections from 127.0.0.2 (outside mynetworks); the greeted ones go to accepted. Returns how many got 421. */
    private int connectFromOutside(int n, List<Socket> accepted) throws IOException {
        int refused = 0;
        for (int i = 0; i < n; i++) {
            Socket s = new Socket();
            s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getByName("127.0.0.2"), 0));
            s.connect(relay.address(), 2000);
            s.setSoTimeout(10_000);
            closing.add(s);
            String greeting = new String(s.getInputStream().readNBytes(9), StandardCharsets.US_ASCII);
            if (greeting.startsWith("421 4.7.0")) {
                refused++;
            } else {
                assertThat(greeting).startsWith("220 ");
                accepted.add(s);
            }
        }
        return refused;
    }

    @Test
    void slowlorisClientsAreCutOffAndDoNotStarveOthers() throws Exception {
        // abusers from 127.0.0.2 (outside mynetworks) try 12 connections; 10 are allowed per address
        start("smtpd.command_timeout", "1s", "smtpd.max_connections", "12", "smtpd.mynetworks", "127.0.0.1/32",
                "smtpd.max_connections_per_client", "10");
        List<Socket> slow = new ArrayList<>();
        int refused = connectFromOutside(12, slow);
        assertThat(refused).as("per-address limit").isEqualTo(2);
        List<Thread> drip = new ArrayList<>();
        for (Socket s : slow) {
            drip.add(Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 100; i++) {
                        out.write('E');
                        out.flush();
                        Thread.sleep(250);
                    }
                } catch (IOException | InterruptedException e) {
                    // cut off by the server: expected
                }
            }));
        }
        normalClientGetsThrough(); // while the slow clients hold their connections
        for (Socket s : slow) {
            String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(rest).contains("421 4.4.2");
        }
        for (Thread t : drip) {
            t.join(5000);
        }
    }

    @Test
    void clientsInMynetworksKeepReservedSlotsWhenOutsidersHoldTheRest() throws Exception {
        start("smtpd.max_connections", "6", "smtpd.mynetworks_reserved_connections", "2", "smtpd.mynetworks",
                "127.0.0.1/32", "smtpd.max_connections_per_client", "10");
        int refused = connectFromOutside(6, new ArrayList<>()); // an outsider takes every slot it can and holds it
        assertThat(refused).as("the last 2 of 6 slots are not for outsiders").isEqualTo(2);
        normalClientGetsThrough(); // from 127.0.0.1, in mynetworks
        SmtpScript second = connect(); // both reserved slots at once
        assertThat(second.send("EHLO client.test").code()).isEqualTo(250);
        normalClientGetsThrough();
    }

    @Test
    void whenEverySlotIsTakenTheLongestIdleOutsiderMakesRoomForMynetworks() throws Exception {
        start("smtpd.max_connections", "4", "smtpd.mynetworks_reserved_connections", "1", "smtpd.mynetworks",
                "127.0.0.1/32", "smtpd.max_connections_per_client", "10");
        List<Socket> outside = new ArrayList<>();
        assertThat(connectFromOutside(3, outside)).isZero();
        SmtpScript local = connect(); // the reserved slot: now every slot is in use
        for (Socket s : outside) {
            line(s); // the rest of the greeting
        }
        for (Socket s : outside.subList(1, 3)) { // the first outsider stays idle longest
            s.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(s)).startsWith("250 2.0.0");
        }
        normalClientGetsThrough(); // from 127.0.0.1: served, not refused
        String evicted = new String(outside.get(0).getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(evicted).startsWith("421 4.7.0");
        for (Socket s : outside.subList(1, 3)) {
            s.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(s)).startsWith("250 2.0.0");
        }
        assertThat(local.send("NOOP").code()).isEqualTo(250);
        // the evicted slot went to the local client and came back when it left: with the other local client
        // gone too, an outsider may take one slot again (3 of 4 are not reserved), and then no more
        local.send("QUIT");
        int refusedMeanwhile = 0; // a session's end releases its slot a moment after its last reply
        while (connectFromOutside(1, new ArrayList<>()) == 1 && ++refusedMeanwhile < 20) {
            Thread.sleep(100);
        }
        assertThat(refusedMeanwhile).as("the slot came back").isLessThan(20);
        assertThat(connectFromOutside(1, new ArrayList<>())).as("full again, for outsiders").isEqualTo(1);
    }

    private static String line(Socket s) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
            b.append((char) c);
        }
        return b.toString();
    }
}
