package org.mailferry.delivery;

import java.io.EOFException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

/** Turns a JSSE handshake exception into the reason a person can act on. */
final class TlsFailureReason {
    private TlsFailureReason() {
    }

    static String describe(Throwable failure, String hostName) {
        String prefix = "TLS with " + hostName + " failed: ";
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            if (t instanceof CertificateExpiredException) {
                return prefix + "certificate expired (" + m + ")";
            }
            if (t instanceof CertificateNotYetValidException) {
                return prefix + "certificate not yet valid (" + m + ")";
            }
            if (t instanceof CertPathValidatorException v
                    && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return prefix + "certificate expired";
            }
            if (m.startsWith("No subject alternative") || m.startsWith("No name matching")) {
                return prefix + "hostname mismatch: the certificate is not for " + hostName + " (" + m + ")";
            }
            if (t instanceof CertPathBuilderException || m.contains("unable to find valid certification path")) {
                return prefix + "unknown CA: the certificate is not signed by a trusted CA; set relay.ca_file "
                        + "(or --ca-file) to the CA that signed it";
            }
            if (m.contains("protocol_version") || m.contains("No appropriate protocol")) {
                return prefix + "protocol: no common TLS version (Mailferry requires TLS 1.2 or newer)";
            }
            if (m.contains("handshake_failure") || m.contains("no cipher suites in common")) {
                return prefix + "protocol: no common cipher suite (" + m + ")";
            }
            if (t instanceof SocketTimeoutException) {
                return prefix + "timeout during the handshake";
            }
            if (t instanceof EOFException || t instanceof SocketException
                    || m.contains("Remote host terminated")) {
                return prefix + "connection closed during the handshake";
            }
        }
        return prefix + (failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage());
    }
}
