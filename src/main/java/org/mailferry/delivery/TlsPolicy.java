package org.mailferry.delivery;

import java.io.IOException;
import java.io.InputStream;
import java.net.IDN;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.mailferry.config.RelaySecurity;

/**
 * TLS toward the smarthost: trust from the JDK store or {@code relay.ca_file}, the host name checked
 * against the certificate (the HTTPS rules of RFC 2818/6125), SNI, TLS 1.2 or newer, and optional
 * SHA-256 pins of the certificate or its public key. Every failure is a {@link TlsFailure} with the
 * real reason; the caller never falls back to cleartext.
 */
public final class TlsPolicy {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private final X509ExtendedTrustManager trust;
    private final List<String> pins;

    /** What the handshake showed, for logs and {@code mailferry check}. */
    public record Handshake(String protocol, String cipherSuite, List<X509Certificate> chain) {
    }

    /** The handshake failed or the certificate was not acceptable; {@code chain} is what the server sent. */
    public static final class TlsFailure extends IOException {
        private final transient List<X509Certificate> chain;

        TlsFailure(String reason, List<X509Certificate> chain, Throwable cause) {
            super(reason, cause);
            this.chain = chain;
        }

        public List<X509Certificate> chain() {
            return chain;
        }
    }

    private TlsPolicy(X509ExtendedTrustManager trust, List<String> pins) {
        this.trust = trust;
        this.pins = pins;
    }

    public static TlsPolicy from(RelaySecurity security) throws IOException, GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(security.caFile() == null ? null : caStore(security.caFile()));
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509ExtendedTrustManager x) {
                return new TlsPolicy(x, security.tlsPins());
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager in this JDK");
    }

    private static KeyStore caStore(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
            if (i == 0) {
                throw new CertificateException(pem + " holds no PEM certificate");
            }
        }
        return ks;
    }

    /**
     * Runs the client handshake over {@code plain} (already connected; for STARTTLS after the 220,
     * for implicit TLS right after connect) and checks the result.
     */
    public SSLSocket handshake(Socket plain, String hostName, int port) throws IOException {
        Recording recording = new Recording(trust);
        SSLContext ctx;
        try {
            ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {recording}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, hostName, port, true);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(PROTOCOLS);
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (!isAddress(hostName)) {
            p.setServerNames(List.of(new SNIHostName(IDN.toASCII(hostName))));
        }
        s.setSSLParameters(p);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw new TlsFailure(TlsFailureReason.describe(e, hostName), recording.chain, e);
        }
        if (!pins.isEmpty() && !pinned(recording.chain)) {
            s.close();
            throw new TlsFailure("TLS with " + hostName + " failed: certificate matches none of relay.tls_pin "
                    + "(its public key's sha256: " + fingerprint(recording.chain.get(0).getPublicKey().getEncoded())
                    + ")", recording.chain, null);
        }
        return s;
    }

    public static Handshake describe(SSLSocket s) {
        List<X509Certificate> chain;
        try {
            chain = java.util.Arrays.stream(s.getSession().getPeerCertificates())
                    .map(X509Certificate.class::cast).toList();
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            chain = List.of();
        }
        return new Handshake(s.getSession().getProtocol(), s.getSession().getCipherSuite(), chain);
    }

    private boolean pinned(List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            return false;
        }
        X509Certificate leaf = chain.get(0);
        try {
            return pins.contains(fingerprint(leaf.getEncoded())) || pins.contains(fingerprint(leaf.getPublicKey()
                    .getEncoded()));
        } catch (CertificateException e) {
            return false;
        }
    }

    /** Lower-case hex SHA-256 of {@code der}. */
    public static String fingerprint(byte[] der) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isAddress(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    /** Delegates every check, remembering the chain the server presented (also when it is refused). */
    private static final class Recording extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        volatile List<X509Certificate> chain = List.of();

        Recording(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType, Socket socket) throws CertificateException {
            chain = List.of(c);
            delegate.checkServerTrusted(c, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType, SSLEngine engine)
                throws CertificateException {
            chain = List.of(c);
            delegate.checkServerTrusted(c, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] c, String authType) throws CertificateException {
            chain = List.of(c);
            delegate.checkServerTrusted(c, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType, Socket socket) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] c, String authType) throws CertificateException {
            throw new CertificateException("client side only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
