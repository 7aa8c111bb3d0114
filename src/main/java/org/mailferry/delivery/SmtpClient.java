package org.mailferry.delivery;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.mailferry.message.Envelope;
import org.mailferry.message.Recipient;
import org.mailferry.smtp.DsnParameters;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;
import org.mailferry.smtp.ReplyReader;
import org.mailferry.smtp.SmtpInput;

/**
 * One SMTP client connection to a smarthost: greeting, EHLO (HELO as fallback), then any number
 * of transactions (connection reuse), PIPELINING when offered, the body streamed from the spool
 * byte-exact with dot-stuffing. STARTTLS and AUTH slot in between EHLO and the first MAIL.
 * Not thread-safe: one worker owns a connection.
 */
public final class SmtpClient implements AutoCloseable {
    private final Socket socket;
    private SmtpInput in;
    private OutputStream out;
    private final String relay;
    private final Set<String> extensions = new HashSet<>();
    private long maxSize;
    private boolean broken;
    private int transactions;

    /** Thrown when the smarthost refuses the session itself (greeting or EHLO/HELO). */
    public static final class SessionRefused extends Exception {
        private final Reply reply;

        public SessionRefused(Reply reply) {
            super(reply.oneLine());
            this.reply = reply;
        }

        public Reply reply() {
            return reply;
        }
    }

    private SmtpClient(Socket socket, String relay) throws IOException {
        this.socket = socket;
        this.relay = relay;
        this.in = new SmtpInput(socket.getInputStream());
        this.out = new BufferedOutputStream(socket.getOutputStream(), 65536);
    }

    /** Connects, reads the greeting and says EHLO. */
    public static SmtpClient open(InetSocketAddress address, String hostName, String heloName,
                                  Duration connectTimeout, Duration commandTimeout)
            throws IOException, SessionRefused {
        Socket s = new Socket();
        String relay = hostName + "[" + address.getAddress().getHostAddress() + "]:" + address.getPort();
        try {
            s.connect(address, (int) connectTimeout.toMillis());
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, commandTimeout.toMillis()));
            s.setTcpNoDelay(true);
            SmtpClient c = new SmtpClient(s, relay);
            Reply greeting = c.reply();
            if (!greeting.isPositive()) {
                throw new SessionRefused(greeting);
            }
            c.hello(heloName);
            return c;
        } catch (IOException | SessionRefused | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void hello(String heloName) throws IOException, SessionRefused {
        command("EHLO " + heloName);
        Reply r = reply();
        if (r.isPositive()) {
            extensions.clear();
            for (int i = 1; i < r.lines().size(); i++) {
                String line = r.lines().get(i).toUpperCase(Locale.ROOT);
                String[] words = line.split(" ");
                extensions.add(words[0]);
                if (words[0].equals("SIZE") && words.length > 1) {
                    try {
                        maxSize = Long.parseLong(words[1]);
                    } catch (NumberFormatException ignored) {
                        maxSize = 0;
                    }
                }
            }
            return;
        }
        command("HELO " + heloName);
        Reply h = reply();
        if (!h.isPositive()) {
            throw new SessionRefused(h);
        }
    }

    public String relay() {
        return relay;
    }

    public boolean offers(String extension) {
        return extensions.contains(extension.toUpperCase(Locale.ROOT));
    }

    /** True while the connection can carry another transaction. */
    public boolean isReusable() {
        return !broken && !socket.isClosed();
    }

    public int transactions() {
        return transactions;
    }

    private void command(String line) throws IOException {
        out.write(line.getBytes(StandardCharsets.UTF_8));
        out.write('\r');
        out.write('\n');
    }

    private Reply reply() throws IOException {
        out.flush();
        try {
            Reply r = ReplyReader.read(in, true);
            if (r.code() == 421) {
                broken = true; // the server is closing the connection (RFC 5321 3.8)
            }
            return r;
        } catch (IOException e) {
            broken = true;
            throw e;
        }
    }

    /**
     * Sends one message to its pending recipients. Returns one outcome per pending recipient, in
     * order. An IOException means the connection failed; the caller classifies it for all.
     */
    public List<DeliveryOutcome> send(Envelope env, InputStream body) throws IOException {
        List<Recipient> rcpts = env.pending();
        transactions++;
        StringBuilder mail = new StringBuilder("MAIL FROM:").append(env.sender().bracketed());
        if (offers("SIZE")) {
            mail.append(" SIZE=").append(env.sizeBytes());
        }
        if (offers("8BITMIME") && env.bodyType().equals("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (env.smtpUtf8()) {
            if (!offers("SMTPUTF8")) {
                return fail(rcpts, Reply.of(553, EnhancedStatus.NEEDS_SMTPUTF8,
                        "smarthost does not offer SMTPUTF8, which this message needs"));
            }
            mail.append(" SMTPUTF8");
        }
        boolean dsn = offers("DSN");
        if (dsn && !env.ret().isEmpty()) {
            mail.append(" RET=").append(env.ret());
        }
        if (dsn && !env.envId().isEmpty()) {
            mail.append(" ENVID=").append(DsnParameters.encodeXtext(env.envId()));
        }
        if (maxSize > 0 && env.sizeBytes() > maxSize) {
            return fail(rcpts, Reply.of(552, EnhancedStatus.TOO_BIG,
                    "message size " + env.sizeBytes() + " exceeds smarthost limit " + maxSize));
        }
        boolean pipelining = offers("PIPELINING");
        command(mail.toString());
        Reply mailReply = pipelining ? null : reply();
        if (mailReply != null && !mailReply.isPositive()) {
            return failAndReset(rcpts, mailReply);
        }
        List<Reply> rcptReplies = new ArrayList<>();
        for (Recipient r : rcpts) {
            command("RCPT TO:" + r.address().bracketed() + (dsn ? dsnParameters(r) : ""));
            if (!pipelining) {
                rcptReplies.add(reply());
            }
        }
        if (pipelining) {
            command("DATA");
            mailReply = reply();
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(reply());
            }
        }
        boolean anyAccepted = mailReply.isPositive() && rcptReplies.stream().anyMatch(Reply::isPositive);
        Reply dataReply;
        if (pipelining) {
            dataReply = reply();
        } else if (anyAccepted) {
            command("DATA");
            dataReply = reply();
        } else {
            dataReply = null;
        }
        if (!mailReply.isPositive()) {
            if (dataReply != null && dataReply.isIntermediate()) {
                command(".");
                reply();
            }
            return failAndReset(rcpts, mailReply);
        }
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        if (!anyAccepted) {
            if (dataReply != null && dataReply.isIntermediate()) {
                command("."); // RFC 2920 3.1: the server took DATA though no RCPT succeeded
                reply();
            }
            command("RSET");
            reply();
            for (Reply r : rcptReplies) {
                outcomes.add(Classifier.classify(r, DeliveryOutcome.Scope.RECIPIENT, relay));
            }
            return outcomes;
        }
        if (!dataReply.isIntermediate()) {
            command("RSET");
            reply();
            return fail(rcpts, dataReply);
        }
        streamBody(body);
        Reply end = reply();
        for (Reply r : rcptReplies) {
            outcomes.add(r.isPositive() ? Classifier.classify(end, DeliveryOutcome.Scope.MESSAGE, relay)
                    : Classifier.classify(r, DeliveryOutcome.Scope.RECIPIENT, relay));
        }
        return outcomes;
    }

    /** RFC 3461: NOTIFY and ORCPT as the submitting client gave them, passed on unchanged. */
    private static String dsnParameters(Recipient r) {
        return (r.dsnNotify().isEmpty() ? "" : " NOTIFY=" + r.dsnNotify())
                + (r.orcpt().isEmpty() ? "" : " ORCPT=" + DsnParameters.orcptParameter(r.orcpt()));
    }

    private List<DeliveryOutcome> failAndReset(List<Recipient> rcpts, Reply reply) throws IOException {
        command("RSET");
        reply();
        return fail(rcpts, reply);
    }

    private List<DeliveryOutcome> fail(List<Recipient> rcpts, Reply reply) {
        DeliveryOutcome o = Classifier.classify(reply, DeliveryOutcome.Scope.MESSAGE, relay);
        List<DeliveryOutcome> out = new ArrayList<>();
        for (int i = 0; i < rcpts.size(); i++) {
            out.add(o);
        }
        return out;
    }

    /** Copies the stored body, doubling a leading dot on each line, then sends the final dot. */
    private void streamBody(InputStream body) throws IOException {
        byte[] buf = new byte[65536];
        boolean lineStart = true;
        int last = -1;
        int prev = -1;
        int n;
        while ((n = body.read(buf)) > 0) {
            int from = 0;
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (lineStart && b == '.') {
                    out.write(buf, from, i - from);
                    out.write('.');
                    from = i;
                }
                lineStart = b == '\n';
            }
            out.write(buf, from, n - from);
            prev = n >= 2 ? buf[n - 2] : last;
            last = buf[n - 1];
        }
        if (!(prev == '\r' && last == '\n')) {
            out.write('\r');
            out.write('\n');
        }
        out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** Says QUIT politely and closes; never throws. */
    @Override
    public void close() {
        try {
            if (!broken && !socket.isClosed()) {
                socket.setSoTimeout(5000);
                command("QUIT");
                reply();
            }
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
