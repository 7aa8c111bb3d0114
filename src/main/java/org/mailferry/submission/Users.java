package org.mailferry.submission;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The users who may authenticate (SMTP AUTH) to relay from outside {@code smtpd.mynetworks}:
 * one {@code user:$pbkdf2-sha256$...} per line, {@code #} comments. The file must not be readable
 * by group or others, like an ssh key; start-up refuses it otherwise.
 */
public final class Users {
    private static final PasswordHash DUMMY = PasswordHash.create("unused".toCharArray(), 1_000);
    private final Map<String, PasswordHash> hashes;

    private Users(Map<String, PasswordHash> hashes) {
        this.hashes = Map.copyOf(hashes);
    }

    /** Loads and checks the file; every problem is one message naming the path (and line) and the fix. */
    public static Users load(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)
                    || perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                throw new IllegalArgumentException("smtpd.users: " + file + " has mode "
                        + PosixFilePermissions.toString(perms) + " (readable or writable by group or others); run: chmod 600 "
                        + file);
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("smtpd.users: " + file + ": no such file; create it with lines from "
                    + "'mailferry passwd USER'");
        } catch (IOException e) {
            throw new IllegalArgumentException("smtpd.users: " + file + ": cannot read: " + e.getMessage());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("smtpd.users: " + file + ": cannot read: " + e.getMessage());
        }
        Map<String, PasswordHash> out = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String where = file + ":" + (i + 1) + ": ";
            if (colon <= 0) {
                throw new IllegalArgumentException(where + "expected user:$pbkdf2-sha256$...; make one with "
                        + "'mailferry passwd USER'");
            }
            try {
                out.put(line.substring(0, colon), PasswordHash.parse(line.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage());
            }
        }
        return new Users(out);
    }

    /** True when the user exists and the password matches; takes as long for an unknown user. */
    public boolean verify(String user, char[] password) {
        PasswordHash h = hashes.get(user);
        if (h == null) {
            DUMMY.matches(password);
            return false;
        }
        return h.matches(password);
    }

    public int size() {
        return hashes.size();
    }
}
