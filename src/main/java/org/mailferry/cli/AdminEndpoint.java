package org.mailferry.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Where a running daemon's admin API answers, as it published it in the spool
 * ({@code SPOOL/admin.address}): its address, and with {@code admin.tls_cert} the certificate
 * file, whose certificate is then the only one this command trusts (pinned: the exact
 * certificate, compared byte for byte, so a name or IP address missing from it does not matter and
 * no certificate authority is asked). A wildcard listener ({@code 0.0.0.0}, {@code ::}) is reached
 * on loopback.
 */
record AdminEndpoint(InetSocketAddress address, Path tlsCert) {

    /** The base URI, e.g. {@code https://127.0.0.1:2526}. */
    URI uri(String path) {
        InetAddress a = address.getAddress();
        String host = a.isAnyLocalAddress() ? (a instanceof Inet6Address ? "[::1]" : "127.0.0.1")
                : a instanceof Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
        return URI.create((tlsCert == null ? "http://" : "https://") + host + ":" + address.getPort() + path);
    }

    /** A client for this endpoint; IllegalStateException with the fix when the certificate cannot be read. */
    HttpClient client() {
        if (tlsCert == null) {
            return HttpClient.newHttpClient();
        }
        X509Certificate pinned;
        try (InputStream in = Files.newInputStream(tlsCert)) {
            pinned = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException | ClassCastException e) {
            throw new IllegalStateException("the daemon's admin API speaks HTTPS with the certificate in " + tlsCert
                    + " (admin.tls_cert), which this command cannot read (" + e.getMessage() + "); run it as root, "
                    + "the service user or a member of admin.group, or make the certificate file readable");
        }
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[] {new Pinned(pinned, tlsCert)}, null);
            return HttpClient.newBuilder().sslContext(ctx).build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JVM: " + e.getMessage());
        }
    }

    /** Trusts one certificate, the one the daemon was configured with, and nothing else. */
    private static final class Pinned extends X509ExtendedTrustManager {
        private final X509Certificate pinned;
        private final Path file;

        Pinned(X509Certificate pinned, Path file) {
            this.pinned = pinned;
            this.file = file;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0 || !chain[0].equals(pinned)) {
                throw new CertificateException("the admin API presented " + (chain == null || chain.length == 0
                        ? "no certificate" : "'" + chain[0].getSubjectX500Principal() + "'") + ", not the certificate in "
                        + file + " (admin.tls_cert); was the file replaced without restarting the daemon?");
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client of the admin API checks no client");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
