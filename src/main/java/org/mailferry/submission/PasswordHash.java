package org.mailferry.submission;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * A stored password: PBKDF2-HMAC-SHA256 with a random salt, written
 * {@code $pbkdf2-sha256$ITERATIONS$SALT$HASH} (salt and hash in unpadded standard Base64). The
 * JDK verifies it without any library; the password itself is never stored or logged.
 */
public record PasswordHash(int iterations, byte[] salt, byte[] hash) {
    public static final String PREFIX = "$pbkdf2-sha256$";
    public static final int DEFAULT_ITERATIONS = 310_000; // OWASP 2023 figure for PBKDF2-HMAC-SHA256
    private static final int MIN_ITERATIONS = 1_000;
    private static final int HASH_BYTES = 32;

    /** Hashes a new password with a fresh 16-byte salt. */
    public static PasswordHash create(char[] password, int iterations) {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return new PasswordHash(iterations, salt, derive(password, salt, iterations));
    }

    /** Parses the stored form; the message of the exception says what is wrong (never the value). */
    public static PasswordHash parse(String stored) {
        if (!stored.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a " + PREFIX + " hash; make one with 'mailferry passwd USER'");
        }
        String[] parts = stored.substring(PREFIX.length()).split("\\$", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected " + PREFIX + "ITERATIONS$SALT$HASH");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("iteration count is not a number");
        }
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("iteration count below " + MIN_ITERATIONS);
        }
        try {
            Base64.Decoder d = Base64.getDecoder();
            byte[] salt = d.decode(parts[1]);
            byte[] hash = d.decode(parts[2]);
            if (salt.length < 8 || hash.length != HASH_BYTES) {
                throw new IllegalArgumentException("salt or hash has the wrong length");
            }
            return new PasswordHash(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("salt or hash is not valid Base64 of the right length");
        }
    }

    /** True when {@code password} matches; compares in constant time. */
    public boolean matches(char[] password) {
        return MessageDigest.isEqual(hash, derive(password, salt, iterations));
    }

    public String format() {
        Base64.Encoder e = Base64.getEncoder().withoutPadding();
        return PREFIX + iterations + "$" + e.encodeToString(salt) + "$" + e.encodeToString(hash);
    }

    static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks PBKDF2WithHmacSHA256", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** Decodes UTF-8 bytes from the wire into a char array for hashing. */
    static char[] chars(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8).toCharArray();
    }

    @Override
    public String toString() {
        return "PasswordHash[pbkdf2-sha256, " + iterations + " iterations]";
    }
}
