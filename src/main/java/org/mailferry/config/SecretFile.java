package org.mailferry.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file that holds a secret (authinfo, sasl_passwd, a config with a password in it). Like ssh
 * and Postfix's postmap warnings, but strict: a file that group or others may read, or that
 * another user owns, is refused with one line naming the path, its mode and the fix.
 */
public final class SecretFile {
    private SecretFile() {
    }

    /** Checks the file's owner and mode, then reads it as UTF-8. */
    public static String read(Path path) throws ConfigException {
        check(path);
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
    }

    public static void check(Path path) throws ConfigException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(path, PosixFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such file");
        } catch (UnsupportedOperationException e) {
            return; // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
        Set<PosixFilePermission> p = a.permissions();
        String mode = mode(p);
        String me = System.getProperty("user.name");
        if (!a.owner().getName().equals(me)) {
            throw new ConfigException(path + ": holds a secret but is owned by " + a.owner().getName()
                    + ", not " + me + " (mode " + mode + "); run: chown " + me + " " + path + " && chmod 600 " + path);
        }
        if (p.contains(PosixFilePermission.GROUP_READ) || p.contains(PosixFilePermission.OTHERS_READ)
                || p.contains(PosixFilePermission.GROUP_WRITE) || p.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new ConfigException(path + ": holds a secret but has mode " + mode
                    + " (group/others may read it); run: chmod 600 " + path);
        }
    }

    private static String mode(Set<PosixFilePermission> p) {
        int m = 0;
        for (PosixFilePermission x : p) {
            m |= 1 << (8 - x.ordinal());
        }
        return String.format("%04o (%s)", m, PosixFilePermissions.toString(p));
    }
}
