package org.mailferry.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A file that holds a secret (authinfo, sasl_passwd, a config with a password in it). Like ssh
 * and Postfix's postmap warnings, but strict: a file that group or others may read, or that
 * another user owns, is refused with one line naming the path, its mode and the fix. As OpenSSH
 * does for key files (safe_path), the path itself is not trusted either: a symbolic link must be
 * owned by root or this user (issue 20: another user's link chose which root 0600 file was read),
 * and every directory up the link's path and up the file's real path must be owned by root or this
 * user and writable by no one else. Unlike OpenSSH, a sticky directory (/tmp, 1777) is allowed: no
 * one else can rename or replace an entry that root or this user owns in it.
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
        checkPath(path);
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

    /** The link itself (lstat) and each directory up the path, as given and as resolved. */
    private static void checkPath(Path path) throws ConfigException {
        String me = System.getProperty("user.name");
        Path abs = path.toAbsolutePath().normalize();
        try {
            PosixFileAttributes link = Files.readAttributes(abs, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (link.isSymbolicLink() && !trusted(link.owner().getName(), me)) {
                throw new ConfigException(path + ": holds a secret but is a symbolic link owned by "
                        + link.owner().getName() + " (only " + ("root".equals(me) ? "root" : "root or " + me)
                        + " may choose which file is read); "
                        + "remove the link and point the key at the file itself, or recreate the link as root");
            }
            if (abs.getParent() != null) {
                directories(path, abs.getParent().toRealPath(), me);
            }
            if (link.isSymbolicLink()) {
                Path real = abs.toRealPath();
                if (real.getParent() != null) {
                    directories(path, real.getParent(), me);
                }
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(path + ": no such file");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return; // not a POSIX file system: nothing to check
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot read: " + e.getMessage());
        }
    }

    private static void directories(Path path, Path dir, String me) throws IOException, ConfigException {
        for (Path d = dir; d != null; d = d.getParent()) {
            PosixFileAttributes a = Files.readAttributes(d, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) Files.getAttribute(d, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            boolean sticky = (mode & 01000) != 0;
            String owner = a.owner().getName();
            if (!trusted(owner, me)) {
                throw new ConfigException(path + ": holds a secret but directory " + d + " is owned by " + owner
                        + " (who could replace the file); move the file to a directory owned by " + ("root".equals(me) ? "root" : "root or " + me)
                        + ", or run: chown root " + d);
            }
            if ((mode & 0022) != 0 && !sticky && !d.equals(systemTemp())) {
                throw new ConfigException(path + ": holds a secret but directory " + d + " has mode "
                        + String.format("%04o", mode & 07777) + " (group/others may replace the file); run: chmod go-w "
                        + d);
            }
        }
    }

    /**
     * The system's temporary directory is taken as the platform gives it: normally 1777 (sticky,
     * allowed anyway); on a machine where it lacks the sticky bit, that is the machine's fault to fix,
     * and refusing every secret below it would only stop tests and checkouts.
     */
    private static Path systemTemp() {
        try {
            return Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean trusted(String owner, String me) {
        return owner.equals("root") || owner.equals(me);
    }

    private static String mode(Set<PosixFilePermission> p) {
        int m = 0;
        for (PosixFilePermission x : p) {
            m |= 1 << (8 - x.ordinal());
        }
        return String.format("%04o (%s)", m, PosixFilePermissions.toString(p));
    }
}
