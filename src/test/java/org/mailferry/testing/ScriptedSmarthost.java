package org.mailferry.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.mailferry.smtp.SmtpInput;

/**
 * A hand-written SMTP smarthost for what Debian's Postfix cannot do here on demand: XOAUTH2 and
 * OAUTHBEARER, dropping the connection right after the STARTTLS reply, presenting an expired or
 * wrong-host certificate (fixtures in src/test/resources/tls, made by test-scripts/make-test-certs.sh).
 * Records every command line it receives, marked "plain:" or "tls:".
 */
public final class ScriptedSmarthost implements AutoCloseable {
    public static final String CA_PEM = "tls/ca.pem";

    private final ServerSocket server;
    private final SSLContext tls;
    private final boolean implicitTls;
    private volatile boolean dropAfterStartTls;
    private volatile boolean offerStartTls = true;
    private volatile String authMechanisms = "PLAIN XOAUTH2 OAUTHBEARER";
    private volatile String acceptedSecret = "";
    private volatile boolean echoAuth;
    public final List<String> lines = new CopyOnWriteArrayList<>();
    public final AtomicInteger messages = new AtomicInteger();

    /** @param keystore a fixture name: "localhost", "expired" or "other-host" */
    public ScriptedSmarthost(String keystore, boolean implicitTls) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("tls/" + keystore + ".p12")) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        this.implicitTls = implicitTls;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("scripted-smarthost").start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    public ScriptedSmarthost dropAfterStartTls() {
        dropAfterStartTls = true;
        return this;
    }

    public ScriptedSmarthost withoutStartTls() {
        offerStartTls = false;
        return this;
    }

    /** AUTH succeeds when the password or bearer token sent equals {@code secret}. */
    public ScriptedSmarthost accept(String mechanisms, String secret) {
        authMechanisms = mechanisms;
        acceptedSecret = secret;
        return this;
    }

    /** A failed AUTH's 535 quotes what the client sent (the AUTH line and its decoded response), as some servers do. */
    public ScriptedSmarthost echoAuth() {
        echoAuth = true;
        return this;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> session(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private Socket wrap(Socket s) throws IOException {
        SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, null, s.getPort(), true);
        ssl.setUseClientMode(false);
        ssl.startHandshake();
        return ssl;
    }

    private void session(Socket plain) {
        try (Socket closing = plain) {
            Socket s = implicitTls ? wrap(plain) : plain;
            boolean secure = implicitTls;
            SmtpInput in = new SmtpInput(s.getInputStream());
            OutputStream out = s.getOutputStream();
            send(out, "220 scripted.test ESMTP");
            while (true) {
                byte[] raw = in.readLine(4096);
                if (raw == null) {
                    return;
                }
                String line = new String(raw, StandardCharsets.UTF_8);
                lines.add((secure ? "tls: " : "plain: ") + line);
                String verb = line.split(" ")[0].toUpperCase();
                switch (verb) {
                    case "EHLO" -> send(out, "250-scripted.test\r\n" + (!secure && offerStartTls ? "250-STARTTLS\r\n" : "")
                            + (authMechanisms.isEmpty() ? "" : "250-AUTH " + authMechanisms + "\r\n") + "250 8BITMIME");
                    case "STARTTLS" -> {
                        send(out, "220 2.0.0 Ready to start TLS");
                        if (dropAfterStartTls) {
                            return;
                        }
                        s = wrap(s);
                        secure = true;
                        in = new SmtpInput(s.getInputStream());
                        out = s.getOutputStream();
                    }
                    case "AUTH" -> auth(line, in, out);
                    case "MAIL", "RCPT", "RSET", "NOOP" -> send(out, "250 2.0.0 Ok");
                    case "DATA" -> {
                        send(out, "354 go ahead");
                        byte[] d;
                        while ((d = in.readLine(100_000)) != null && !(d.length == 1 && d[0] == '.')) {
                            // discard the body
                        }
                        messages.incrementAndGet();
                        send(out, "250 2.0.0 Ok: queued as S" + messages.get());
                    }
                    case "QUIT" -> {
                        send(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> send(out, "502 5.5.2 Error: command not recognized");
                }
            }
        } catch (IOException e) {
            // the client went away or the handshake failed: that is what some tests want
        }
    }

    private void auth(String line, SmtpInput in, OutputStream out) throws IOException {
        String[] w = line.split(" ");
        String mech = w[1].toUpperCase();
        String response = w.length > 2 ? new String(Base64.getDecoder().decode(w[2]), StandardCharsets.UTF_8) : "";
        boolean ok = switch (mech) {
            case "XOAUTH2", "OAUTHBEARER" -> response.contains("auth=Bearer " + acceptedSecret + "\1\1");
            case "PLAIN" -> response.endsWith("\0" + acceptedSecret);
            default -> false;
        };
        if (ok) {
            send(out, "235 2.7.0 Authentication successful");
            return;
        }
        if (mech.equals("XOAUTH2") || mech.equals("OAUTHBEARER")) {
            send(out, "334 " + Base64.getEncoder().encodeToString("{\"status\":\"401\"}".getBytes(StandardCharsets.UTF_8)));
            byte[] r = in.readLine(4096);
            lines.add("auth-abort: " + (r == null ? "" : new String(r, StandardCharsets.UTF_8)));
        }
        send(out, echoAuth ? "535-5.7.8 Error: authentication failed for: " + line + "\r\n535 5.7.8 decoded: "
                + response.replaceAll("[\\x00-\\x1f]", "\\\\0") + " (" + w[w.length - 1] + ")"
                : "535 5.7.8 Error: authentication failed");
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
