package org.mailferry.submission;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * The listener's private key from a PEM file: PKCS#8 ({@code BEGIN PRIVATE KEY}: RSA, EC or
 * Ed25519) or PKCS#1 ({@code BEGIN RSA PRIVATE KEY}, what {@code openssl genrsa -traditional},
 * older certbot and many CAs write). A PKCS#1 key is the inner part of a PKCS#8 one: it is wrapped
 * (version 0, algorithm rsaEncryption with NULL parameters, the PKCS#1 DER as an OCTET STRING;
 * RFC 5208 section 5, RFC 8017 appendix A.1.2) and read as such, so the JDK checks its structure.
 */
final class PemKey {
    /** DER of AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
        (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private PemKey() {
    }

    static PrivateKey read(Path keyFile) throws IOException, GeneralSecurityException {
        String pem = Files.readString(keyFile, StandardCharsets.US_ASCII);
        byte[] pkcs1 = block(pem, "RSA PRIVATE KEY");
        if (pkcs1 != null) {
            try {
                return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(pkcs1)));
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("smtpd.tls_key: " + keyFile + ": the BEGIN RSA PRIVATE KEY block "
                        + "is not a PKCS#1 RSA key (" + e.getMessage() + ")");
            }
        }
        byte[] der = block(pem, "PRIVATE KEY");
        if (der == null) {
            String what = pem.contains("ENCRYPTED") || pem.contains("Proc-Type: 4,ENCRYPTED")
                    ? "is encrypted; Mailferry reads unencrypted keys"
                    : "holds no BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY block";
            throw new IllegalArgumentException("smtpd.tls_key: " + keyFile + " " + what
                    + "; convert it with: openssl pkcs8 -topk8 -nocrypt -in OLD -out " + keyFile);
        }
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("smtpd.tls_key: " + keyFile + ": neither an RSA, EC nor Ed25519 key");
    }

    /** The base64 body of the first {@code -----BEGIN label-----} block, decoded; null when none. */
    private static byte[] block(String pem, String label) {
        String begin = "-----BEGIN " + label + "-----";
        int b = pem.indexOf(begin);
        int e = pem.indexOf("-----END " + label + "-----", Math.max(b, 0));
        if (b < 0 || e < 0) {
            return null;
        }
        return Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    }

    /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING pkcs1 }. */
    static byte[] pkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.writeBytes(tlv(0x04, pkcs1));
        return tlv(0x30, body.toByteArray());
    }

    /** DER tag, definite length (short or long form), value. */
    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(value);
        return out.toByteArray();
    }
}
