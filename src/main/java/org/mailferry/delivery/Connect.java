package org.mailferry.delivery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.mailferry.config.TlsMode;
import org.mailferry.smtp.Reply;

/**
 * Opens the session to the address at hand: TCP connect, TLS at once when the mode says so
 * (port 465), the greeting, EHLO. Everything after it in the attempt runs over that connection;
 * when something on the way fails, the step that failed is reported to the trace and the
 * connection closed.
 */
final class Connect implements SessionStep {
    private final String heloName;
    private final SmtpClient.Timeouts timeouts;
    private final ClientSecurity security;

    Connect(String heloName, SmtpClient.Timeouts timeouts, ClientSecurity security) {
        this.heloName = heloName;
        this.timeouts = timeouts;
        this.security = security;
    }

    @Override
    public Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        InetSocketAddress address = chain.target().address();
        int port = address.getPort();
        String relay = chain.site();
        SmtpClient.Trace trace = chain.trace();
        TlsMode mode = security.mode().resolve(port, address.getAddress().isLoopbackAddress());
        boolean opportunistic = security.mode() == TlsMode.AUTO && mode == TlsMode.NONE;
        long connectMillis = timeouts.connect().toMillis();
        long commandMillis = timeouts.command().toMillis();
        Socket s = new Socket();
        SmtpClient c = null;
        try {
            s.connect(address, (int) connectMillis);
            s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, commandMillis));
            s.setTcpNoDelay(true);
            trace.step("connect", true, relay + " (tls mode " + (opportunistic ? "auto: starttls when offered" : mode)
                    + ")");
            Socket plain = s;
            if (mode == TlsMode.TLS) {
                s = StartTls.handshake(security.tls(), plain, chain.target().hostName(), port, "tls", trace);
            }
            c = new SmtpClient(s, plain, relay, timeouts, mode == TlsMode.TLS);
            // A server that accepts TCP but never greets is as unreachable as one that never
            // accepts: the greeting must come within the connect timeout (or the command timeout,
            // when shorter), so a black hole costs one connect timeout, not five minutes.
            Reply greeting = c.greeting(Math.min(connectMillis, commandMillis));
            trace.step("greeting", greeting.isPositive(), greeting.oneLine());
            if (!greeting.isPositive()) {
                throw new SmtpClient.SessionRefused(greeting);
            }
            hello(c, heloName, trace);
            return chain.withConnection(c).proceed();
        } catch (IOException | SmtpClient.SessionRefused | SecurityFailure | RuntimeException e) {
            if (e instanceof SecurityFailure f && !(f.getCause() instanceof TlsPolicy.TlsFailure)) {
                trace.step(f.authentication() || f.status() == SmtpAuth.TEMP_AUTH ? "auth" : "tls", false,
                        f.getMessage());
            } else if (e instanceof IOException || e instanceof RuntimeException) {
                trace.step(c == null ? "connect" : "session", false, relay + ": " + e.getMessage());
            }
            if (c != null) {
                c.close();
            }
            s.close();
            throw e;
        }
    }

    /** EHLO, or HELO when EHLO is refused; a refused HELO refuses the session. */
    static void hello(SmtpClient c, String heloName, SmtpClient.Trace trace)
            throws IOException, SmtpClient.SessionRefused {
        c.command("EHLO " + heloName);
        Reply r = c.reply();
        trace.step("ehlo", r.isPositive(), r.oneLine());
        if (r.isPositive()) {
            c.offered(r.lines().subList(1, r.lines().size()));
            return;
        }
        c.command("HELO " + heloName);
        Reply h = c.reply();
        trace.step("helo", h.isPositive(), h.oneLine());
        if (!h.isPositive()) {
            throw new SmtpClient.SessionRefused(h);
        }
    }
}
