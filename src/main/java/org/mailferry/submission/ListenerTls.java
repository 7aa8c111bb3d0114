package org.mailferry.submission;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The listener's TLS identity for STARTTLS, from PEM files: {@code smtpd.tls_cert} (the
 * certificate chain, leaf first) and {@code smtpd.tls_key} (an unencrypted key, PKCS#8 or PKCS#1:
 * {@link PemKey}), as certbot and {@code openssl req -newkey} write them.
 */
public final class ListenerTls {
    private ListenerTls() {
    }

    public static SSLContext load(Path certFile, Path keyFile) {
        return load(certFile, keyFile, "smtpd");
    }

    /** @param section whose keys name the files in errors: "smtpd" (smtpd.tls_cert), "admin" */
    public static SSLContext load(Path certFile, Path keyFile, String section) {
        try {
            Collection<? extends Certificate> chain;
            try (var in = Files.newInputStream(certFile)) {
                chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException(section + ".tls_cert: " + certFile + " holds no PEM certificate");
            }
            PrivateKey key = PemKey.read(keyFile);
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] none = new char[0];
            ks.setKeyEntry("smtpd", key, none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException e) {
            throw new IllegalArgumentException(section + ".tls_cert/" + section + ".tls_key: cannot read: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(section + ".tls_cert " + certFile + " / " + section + ".tls_key " + keyFile
                    + ": not a usable certificate and key: " + e.getMessage());
        }
    }
}
