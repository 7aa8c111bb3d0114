package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.queue.FileSpool;
import org.mailferry.smtp.Reply;
import org.mailferry.testing.SmtpScript;

/**
 * Every command in every session state, each on a fresh connection to the real listener, answers
 * as recorded in {@code session/command-table.txt}: the session's command table ({@link Command})
 * and its check steps seen from the client, reply text included. The states are reached as a
 * client reaches them: no STARTTLS offered, STARTTLS offered, TLS active (from outside
 * smtpd.mynetworks, so RCPT meets the relay check), and TLS active and authenticated.
 */
class CommandTableTest {
    @TempDir
    static Path dir;
    private static SmtpListener plain;
    private static SmtpListener secure;
    private static InetSocketAddress plainAddress;
    private static InetSocketAddress secureAddress;

    /** A command: the label written in the table, the line sent. */
    private record Line(String label, String send) {
    }

    private static final List<Line> COMMANDS = List.of(
            new Line("EHLO c.test", "EHLO c.test"),
            new Line("HELO c.test", "HELO c.test"),
            new Line("EHLO", "EHLO"),
            new Line("MAIL FROM:<a@example.com>", "MAIL FROM:<a@example.com>"),
            new Line("MAIL FROM:<a@example.com> SIZE=100", "MAIL FROM:<a@example.com> SIZE=100"),
            new Line("MAIL FROM:a@example.com", "MAIL FROM:a@example.com"),
            new Line("RCPT TO:<u@example.net>", "RCPT TO:<u@example.net>"),
            new Line("RCPT TO:<u@example.net> NOTIFY=NEVER", "RCPT TO:<u@example.net> NOTIFY=NEVER"),
            new Line("RCPT TO:<>", "RCPT TO:<>"),
            new Line("DATA", "DATA"),
            new Line("DATA now", "DATA now"),
            new Line("RSET", "RSET"),
            new Line("NOOP", "NOOP"),
            new Line("VRFY u", "VRFY u"),
            new Line("VRFY", "VRFY"),
            new Line("EXPN list", "EXPN list"),
            new Line("HELP", "HELP"),
            new Line("QUIT", "QUIT"),
            new Line("STARTTLS", "STARTTLS"),
            new Line("STARTTLS now", "STARTTLS now"),
            new Line("AUTH PLAIN <alice's credentials>",
                    "AUTH PLAIN " + AuthRelayTest.b64("\0alice\0" + AuthRelayTest.PASSWORD)),
            new Line("AUTH FROB", "AUTH FROB"),
            new Line("BDAT 1 LAST", "BDAT 1 LAST"),
            new Line("ETRN example.net", "ETRN example.net"),
            new Line("TURN", "TURN"),
            new Line("FROB", "FROB"),
            new Line("(empty line)", ""),
            new Line("NO<NUL>OP", "NO\0OP"));

    /** A way to open a connection and bring it to a state. */
    private interface Situation {
        Connection open() throws Exception;
    }

    private interface Connection extends AutoCloseable {
        Reply send(String line) throws IOException;

        @Override
        void close() throws IOException;
    }

    private record State(String name, Situation situation, List<String> prefix) {
    }

    @BeforeAll
    static void start() throws Exception {
        AuthRelayTest.certificate(dir);
        Users users = Users.load(AuthRelayTest.usersFile(dir, "rw-------"));
        Clock clock = Clock.systemUTC();
        ClientPolicy mynetworks = ClientPolicy.of(List.of("127.0.0.1/32"));
        SessionSettings without = new SessionSettings("relay.test", 2000, 100, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 998, mynetworks, clock);
        SessionSettings with = new SessionSettings("relay.test", 2000, 100, Duration.ofMinutes(1),
                Duration.ofMinutes(1), 998, mynetworks, clock,
                ListenerTls.load(dir.resolve("cert.pem"), dir.resolve("key.pem")), users, 1000);
        plain = listener(without, "plain");
        secure = listener(with, "secure");
        plainAddress = plain.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        secureAddress = secure.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static SmtpListener listener(SessionSettings settings, String spool) throws IOException {
        return new SmtpListener(settings, new ConnectionSlots(100, 1),
                new AuthFailures(Duration.ZERO, settings.clock(), d -> { }),
                new FileSpool(dir.resolve(spool), settings.clock()), env -> { });
    }

    @AfterAll
    static void stop() {
        plain.close();
        secure.close();
    }

    private static Connection script(InetSocketAddress address) throws IOException {
        SmtpScript s = SmtpScript.connect(address);
        return new Connection() {
            @Override
            public Reply send(String line) throws IOException {
                return s.send(line);
            }

            @Override
            public void close() throws IOException {
                s.close();
            }
        };
    }

    /** From 127.0.0.2 (outside smtpd.mynetworks) after STARTTLS; authenticated as alice when asked. */
    private static Connection overTls(boolean authenticate) throws Exception {
        AuthRelayTest.Client c = new AuthRelayTest.Client(secureAddress);
        c.send("EHLO c.test");
        c.startTls();
        if (authenticate) {
            c.send("EHLO c.test");
            assertThat(c.send("AUTH PLAIN " + AuthRelayTest.b64("\0alice\0" + AuthRelayTest.PASSWORD)).code())
                    .isEqualTo(235);
        }
        return new Connection() {
            @Override
            public Reply send(String line) throws IOException {
                return c.send(line);
            }

            @Override
            public void close() throws IOException {
                c.close();
            }
        };
    }

    private static List<State> states() {
        Situation noTls = () -> script(plainAddress);
        Situation tlsOffered = () -> script(secureAddress);
        Situation tlsActive = () -> overTls(false);
        Situation authenticated = () -> overTls(true);
        List<String> ehlo = List.of("EHLO c.test");
        List<String> mail = List.of("EHLO c.test", "MAIL FROM:<a@example.com>");
        List<String> rcpt = List.of("EHLO c.test", "MAIL FROM:<a@example.com>", "RCPT TO:<u@example.net>");
        return List.of(
                new State("no-tls GREETED", noTls, List.of()),
                new State("no-tls READY(HELO)", noTls, List.of("HELO c.test")),
                new State("no-tls READY", noTls, ehlo),
                new State("no-tls MAIL", noTls, mail),
                new State("no-tls RCPT", noTls, rcpt),
                new State("tls-offered GREETED", tlsOffered, List.of()),
                new State("tls-offered READY", tlsOffered, ehlo),
                new State("tls-offered MAIL", tlsOffered, mail),
                new State("tls-offered RCPT", tlsOffered, rcpt),
                new State("tls-active GREETED", tlsActive, List.of()),
                new State("tls-active READY", tlsActive, ehlo),
                new State("tls-active MAIL", tlsActive, mail),
                new State("authenticated READY", authenticated, List.of()),
                new State("authenticated MAIL", authenticated, List.of("MAIL FROM:<a@example.com>")),
                new State("authenticated RCPT", authenticated,
                        List.of("MAIL FROM:<a@example.com>", "RCPT TO:<u@example.net>")));
    }

    @Test
    void everyCommandInEveryStateAnswersAsRecorded() throws Exception {
        List<String> table = new ArrayList<>();
        for (State state : states()) {
            for (Line command : COMMANDS) {
                try (Connection c = state.situation().open()) {
                    for (String p : state.prefix()) {
                        assertThat(c.send(p).isPositive()).as("%s: %s", state.name(), p).isTrue();
                    }
                    table.add(state.name() + " | " + command.label() + " -> " + c.send(command.send()).oneLine());
                }
            }
        }
        String actual = String.join("\n", table) + "\n";
        String expected;
        try (InputStream in = CommandTableTest.class.getResourceAsStream("/session/command-table.txt")) {
            expected = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!actual.equals(expected)) {
            Files.writeString(Path.of("target", "command-table.actual.txt"), actual); // to compare, or to adopt
        }
        assertThat(actual).isEqualTo(expected);
    }
}
