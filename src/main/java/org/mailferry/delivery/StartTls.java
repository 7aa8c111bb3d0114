package org.mailferry.delivery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.mailferry.config.TlsMode;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * STARTTLS when the mode requires it, or, with relay.tls = auto on a loopback address, when the
 * smarthost offers it (required then with credentials); then EHLO again. A TLS problem is a
 * {@link SecurityFailure}, never a fallback to cleartext.
 */
final class StartTls implements SessionStep {
    static final EnhancedStatus TEMP_SECURITY = new EnhancedStatus(4, 7, 0);
    private final String heloName;
    private final ClientSecurity security;

    StartTls(String heloName, ClientSecurity security) {
        this.heloName = heloName;
        this.security = security;
    }

    @Override
    public Attempted open(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        SmtpClient c = chain.connection();
        InetSocketAddress address = chain.target().address();
        int port = address.getPort();
        TlsMode mode = security.mode().resolve(port, address.getAddress().isLoopbackAddress());
        // auto on a loopback address (resolved to none): STARTTLS when offered, required with credentials
        boolean opportunistic = security.mode() == TlsMode.AUTO && mode == TlsMode.NONE;
        if (mode == TlsMode.STARTTLS || opportunistic && (security.logins().find(chain.names(), port) != null
                || c.offers("STARTTLS"))) {
            startTls(c, chain.target().hostName(), port, chain.trace());
            Connect.hello(c, heloName, chain.trace());
        }
        return chain.proceed();
    }

    private void startTls(SmtpClient c, String hostName, int port, SmtpClient.Trace trace)
            throws IOException, SecurityFailure {
        if (!c.offers("STARTTLS")) {
            throw new SecurityFailure(c.relay() + " does not offer STARTTLS, which relay.tls = starttls (or auto, "
                    + "with credentials or off loopback) requires (set relay.tls = \"none\" only for a smarthost on a "
                    + "trusted network)", TEMP_SECURITY, false, null);
        }
        c.command("STARTTLS");
        Reply r = c.reply();
        if (r.code() != 220) {
            throw new SecurityFailure(c.relay() + " refused STARTTLS: " + r.oneLine(), TEMP_SECURITY, false, null);
        }
        if (c.hasBuffered()) {
            // bytes after the 220 were sent before TLS: a man in the middle injecting commands
            c.markBroken();
            throw new SecurityFailure(c.relay() + " sent data after its STARTTLS reply (injection?); refusing",
                    TEMP_SECURITY, false, null);
        }
        try {
            c.upgrade(handshake(security.tls(), c.socket(), hostName, port, "starttls", trace));
        } catch (SecurityFailure e) {
            c.markBroken(); // no QUIT in cleartext after a failed handshake
            throw e;
        }
    }

    /**
     * The TLS handshake over {@code tcp}, reported to the trace as {@code step}; a failed one
     * closes {@code tcp} and is a {@link SecurityFailure} naming the certificate it saw.
     */
    static SSLSocket handshake(TlsPolicy tls, Socket tcp, String hostName, int port, String step,
                               SmtpClient.Trace trace) throws IOException, SecurityFailure {
        try {
            SSLSocket ssl = tls.handshake(tcp, hostName, port);
            TlsPolicy.Handshake h = TlsPolicy.describe(ssl);
            trace.step(step, true, h.protocol() + " " + h.cipherSuite() + certificate(h.chain(), true));
            return ssl;
        } catch (TlsPolicy.TlsFailure e) {
            trace.step("tls", false, e.getMessage() + certificate(e.chain(), false));
            tcp.close();
            throw new SecurityFailure(e.getMessage(), TEMP_SECURITY, false, e);
        }
    }

    /** Subject, issuer, expiry of the server's certificate, for check's output. */
    static String certificate(List<X509Certificate> chain, boolean verified) {
        if (chain == null || chain.isEmpty()) {
            return "";
        }
        X509Certificate c = chain.get(0);
        return "; certificate subject=" + c.getSubjectX500Principal().getName() + " issuer="
                + c.getIssuerX500Principal().getName() + " expires=" + c.getNotAfter().toInstant()
                + (verified ? " verified" : " NOT verified");
    }
}
