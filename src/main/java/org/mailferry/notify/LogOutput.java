package org.mailferry.notify;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * Where the daemon's log lines go (log.target, log.format), set once by serve before the relay
 * starts: the root logger's appender (logback.xml's stdout one) is replaced.
 * <ul>
 * <li>{@code stdout}, text: logback.xml as it is. JSON: one object per line on standard output.
 * <li>{@code syslog}: datagrams to log.socket (/dev/log) with facility mail and tag mailferry, in
 *   the local format of glibc's syslog(3) ({@code <PRI>TIMESTAMP mailferry[PID]: TEXT}, the daemon's PID), which
 *   rsyslog, syslog-ng and journald's /dev/log all read. The JDK cannot send a Unix datagram
 *   (DatagramChannel refuses AF_UNIX, JDK 21 to 25), so a {@code logger} process (util-linux) sends
 *   them: each line is written to its standard input with its {@code <PRI>} prefix
 *   ({@code logger --prio-prefix}); if it dies it is started again.
 * <li>{@code journald}: journald's stdout stream protocol on log.socket
 *   (/run/systemd/journal/stdout, a stream socket the JDK can open): the header names the identifier
 *   mailferry and the default priority mail.info (22), then each line carries its level as
 *   {@code <N>}. journald stores SYSLOG_IDENTIFIER=mailferry, SYSLOG_FACILITY=2 and PRIORITY=N, as
 *   for a unit with SyslogIdentifier=mailferry and SyslogFacility=mail (journald-stream.c).
 * </ul>
 * A line that cannot be written (the socket gone, logger failing again) goes to standard error.
 */
public final class LogOutput {
    /** LOG_MAIL (2) in the facility bits. */
    static final int MAIL = 2 << 3;

    private LogOutput() {
    }

    /** Replaces the root logger's output; throws with the fix when the socket cannot be used. */
    public static void apply(String target, String format, Path socket) throws IOException {
        boolean json = format.equals("json");
        if (target.equals("stdout") && !json) {
            return; // logback.xml
        }
        AppenderBase<ILoggingEvent> appender = switch (target) {
            case "syslog" -> new Syslog(socket, json ? LogLine::json : e -> LogLine.text(e, false));
            case "journald" -> new Journal(socket, json ? LogLine::json : e -> LogLine.text(e, false));
            default -> new Lines(System.out, LogLine::json);
        };
        if (appender instanceof Journal j) {
            j.connect();
        } else if (appender instanceof Syslog s) {
            s.check();
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        appender.setContext(context);
        appender.setName(target);
        appender.start();
        root.detachAndStopAllAppenders();
        root.addAppender(appender);
    }

    /** JSON lines on a stream (stdout). */
    static final class Lines extends AppenderBase<ILoggingEvent> {
        private final PrintStream out;
        private final Function<ILoggingEvent, String> layout;

        Lines(PrintStream out, Function<ILoggingEvent, String> layout) {
            this.out = out;
            this.layout = layout;
        }

        @Override
        protected void append(ILoggingEvent e) {
            out.println(layout.apply(e));
        }
    }

    /** journald's stdout stream protocol. */
    static final class Journal extends AppenderBase<ILoggingEvent> {
        private final Path socket;
        private final Function<ILoggingEvent, String> layout;
        private SocketChannel channel;

        Journal(Path socket, Function<ILoggingEvent, String> layout) {
            this.socket = socket;
            this.layout = layout;
        }

        /** Identifier, unit (none), default priority mail.info, level prefix on, no forwarding. */
        static byte[] header() {
            return ("mailferry\n\n" + (MAIL | 6) + "\n1\n0\n0\n0\n").getBytes(StandardCharsets.US_ASCII);
        }

        void connect() throws IOException {
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(UnixDomainSocketAddress.of(socket));
                write(c, header());
            } catch (IOException e) {
                c.close();
                throw new IOException("log.target \"journald\": cannot connect to " + socket + " (" + e.getMessage()
                        + "); is systemd-journald running? Use log.target \"stdout\" under systemd (the journal "
                        + "takes standard output too) or \"syslog\"", e);
            }
            channel = c;
        }

        private static void write(SocketChannel c, byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                c.write(b);
            }
        }

        @Override
        protected void append(ILoggingEvent e) {
            String line = "<" + LogLine.severity(e.getLevel()) + ">" + layout.apply(e) + "\n";
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (channel == null) {
                        connect();
                    }
                    write(channel, bytes);
                    return;
                } catch (IOException ex) {
                    closeQuietly();
                }
            }
            System.err.print("mailferry (journald at " + socket + " unreachable): " + line);
        }

        private void closeQuietly() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // gone anyway
                }
                channel = null;
            }
        }

        @Override
        public void stop() {
            closeQuietly();
            super.stop();
        }
    }

    /** Datagrams to the syslog socket, sent by util-linux's logger. */
    static final class Syslog extends AppenderBase<ILoggingEvent> {
        /** The longest line logger sends whole (its default is 1 KiB; rsyslog takes 8 KiB). */
        private static final int MAX_BYTES = 8192;
        private final Path socket;
        private final Function<ILoggingEvent, String> layout;
        private Process logger;
        private OutputStream in;

        Syslog(Path socket, Function<ILoggingEvent, String> layout) {
            this.socket = socket;
            this.layout = layout;
        }

        static List<String> command(Path socket) {
            return List.of("logger", "--socket", socket.toString(), "--prio-prefix", "--tag", "mailferry",
                    "--id=" + ProcessHandle.current().pid(), "--size", Integer.toString(MAX_BYTES), "--socket-errors=on");
        }

        void check() throws IOException {
            if (!Files.exists(socket)) {
                throw new IOException("log.target \"syslog\": " + socket + " does not exist; start the syslog daemon"
                        + " (rsyslog), set log.socket to its socket, or use log.target \"stdout\" or \"journald\"");
            }
            start(true);
        }

        private void start(boolean first) throws IOException {
            try {
                logger = new ProcessBuilder(command(socket)).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            } catch (IOException e) {
                throw new IOException("log.target \"syslog\" sends through the logger command (util-linux), which "
                        + (first ? "cannot be started" : "failed") + ": " + e.getMessage()
                        + "; install util-linux, or use log.target \"stdout\" or \"journald\"", e);
            }
            in = logger.getOutputStream();
        }

        @Override
        protected void append(ILoggingEvent e) {
            String line = "<" + (MAIL | LogLine.severity(e.getLevel())) + ">" + layout.apply(e) + "\n";
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (logger == null || !logger.isAlive()) {
                        start(false);
                    }
                    in.write(bytes);
                    in.flush();
                    return;
                } catch (IOException ex) {
                    if (logger != null) {
                        logger.destroy();
                        logger = null;
                    }
                }
            }
            System.err.print("mailferry (syslog at " + socket + " unreachable): " + line);
        }

        @Override
        public void stop() {
            if (logger != null) {
                try {
                    in.close(); // logger sends what it has and exits
                    logger.waitFor(2, java.util.concurrent.TimeUnit.SECONDS);
                } catch (IOException | InterruptedException ignored) {
                    // stopping
                }
                logger.destroy();
            }
            super.stop();
        }
    }
}
