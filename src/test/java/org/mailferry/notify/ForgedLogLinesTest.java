package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailferry.config.ConfigLoader;
import org.mailferry.message.Address;
import org.mailferry.message.QueueId;
import org.mailferry.queue.FileSpool;
import org.mailferry.submission.LocalSubmission;
import org.mailferry.submission.Pickup;
import org.mailferry.submission.SessionSettings;
import org.mailferry.testing.LogCapture;

/**
 * Issue 20, "log lines that lie": every value from outside that reaches a log line, rendered
 * through the shipped logback configurations, stays on its one line. Before PrintableMessage, a
 * maildrop file name with a newline wrote a forged {@code status=sent} line into mail.log.
 */
class ForgedLogLinesTest {
    private static final String FORGED = "\n Dec  4 16:00:00.000 mailferry/maillog: 0AAAAAAAAAAA: to=<ceo@example.com>,"
            + " relay=smtp.example.com[203.0.113.5]:587, delay=0.41, dsn=2.0.0, status=sent (250 2.0.0 Ok)";

    @TempDir
    Path dir;

    /** Renders one event through the named logback configuration's own encoder. */
    private static String render(String configuration, ILoggingEvent event) throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator c = new JoranConfigurator();
        c.setContext(context);
        c.doConfigure(ForgedLogLinesTest.class.getResource("/" + configuration));
        var appender = (OutputStreamAppender<ILoggingEvent>) context.getLogger("ROOT").iteratorForAppenders().next();
        String line = new String(appender.getEncoder().encode(event), StandardCharsets.UTF_8);
        context.stop();
        return line;
    }

    private static void assertOneLine(ILoggingEvent event) throws Exception {
        for (String configuration : List.of("logback.xml", "logback-stderr.xml")) {
            String line = render(configuration, event);
            assertThat(line).as(configuration).endsWith("\n");
            String body = line.substring(0, line.length() - 1);
            assertThat(body).as(configuration + ": " + line).doesNotContain("\n", "\r", "\0", "\u2028", "\u202e");
            assertThat(body).as(configuration).contains("\\n");
        }
    }

    private static ILoggingEvent event(String logger, String template, Object... args) {
        LoggerContext context = new LoggerContext();
        return new LoggingEvent(ForgedLogLinesTest.class.getName(), context.getLogger(logger), Level.WARN, template,
                null, args);
    }

    private static final DeliveryEvent.Facts FACTS = new DeliveryEvent.Facts(new QueueId("0AAAAAAAAAAB"),
            new Address("app@example.com"), null, 10, 1);

    static Stream<Arguments> outsideValues() {
        Instant t = Instant.EPOCH;
        return Stream.of(
                Arguments.of("HELO with CRLF and NUL in the Received line", event("mailferry.maillog",
                        MailLog.format(new DeliveryEvent.Received(FACTS, t, 1, "evil\r\n\0helo[192.0.2.1]" + FORGED)))),
                Arguments.of("recipient address (Address refuses control characters; a raw one in a refusal)",
                        event("mailferry.smtpd", "{}: relay access denied for {}", "client[192.0.2.1]", "x@y" + FORGED)),
                Arguments.of("smarthost reply", event("mailferry.maillog", MailLog.format(new DeliveryEvent.Deferred(
                        FACTS, t, new Address("x@y"), "relay", Duration.ZERO, "4.0.0", "451 busy\r" + FORGED, null)))),
                Arguments.of("user name", event("mailferry.submit", "local user {} may not {}: refused",
                        "eve\u2028\u202e" + FORGED, "submit")),
                Arguments.of("sender address", event("mailferry.submit", "{}: from=<{}>, local user {}, nrcpt={} (sendmail)",
                        "0AAAAAAAAAAC", "a@b" + FORGED, "eve", 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outsideValues")
    void anOutsideValueStaysOnItsLine(String what, ILoggingEvent event) throws Exception {
        assertOneLine(event);
    }

    @Test
    void aMaildropFileNamedWithANewlineIsLoggedOnOneLine() throws Exception {
        Path spool = dir.resolve("spool");
        Path maildrop = spool.resolve("maildrop");
        Files.createDirectories(maildrop);
        Files.writeString(maildrop.resolve("drop" + FORGED.replace('/', '_')), "not a drop file\n");
        var config = ConfigLoader.load(null, java.util.Map.of("smtpd.hostname", "relay.test"));
        LocalSubmission local = new LocalSubmission(SessionSettings.from(config.smtpd(), Clock.systemUTC()),
                new FileSpool(spool, Clock.systemUTC()), e -> { });
        try (LogCapture log = new LogCapture("mailferry.pickup"); Pickup pickup = new Pickup(spool, local)) {
            pickup.scan();
            List<ILoggingEvent> events = log.events();
            assertThat(events).as("the bad drop is logged").isNotEmpty();
            assertThat(events.get(0).getFormattedMessage()).as("the raw value has the newline").contains("\n");
            for (ILoggingEvent e : events) {
                assertOneLine(e);
            }
        }
    }

    @Test
    void escapesAreVisibleAndPlainTextIsUntouched() {
        assertThat(PrintableMessage.escape("a\r\nb\0c\td\\e\u001bf\u0085g\u2028h\u202ei")).isEqualTo(
                "a\\r\\nb\\x00c\\td\\\\e\\x1bf\\x85g\\U+2028h\\U+202Ei");
        assertThat(PrintableMessage.escape("Grüße, 日本 <a@b> [1.2.3.4]:25 (250 2.0.0 Ok)"))
                .isEqualTo("Grüße, 日本 <a@b> [1.2.3.4]:25 (250 2.0.0 Ok)");
    }
}
