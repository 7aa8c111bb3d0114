package org.mailferry.queue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * What is wrong with the configured spool path, said for the operator (issue 20: a spool path that
 * was a file, or one the relay's user could not write, exited 74 printing only the path).
 */
public final class SpoolPath {
    private SpoolPath() {
    }

    /** "X is a file, not a directory; ..." when the spool or one of its parents is not a directory, else null. */
    public static String notADirectory(Path spool) {
        for (Path p = spool.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                return Files.isDirectory(p) ? null : p + " is " + (Files.isRegularFile(p) ? "a file" : "not a directory")
                        + ", not a directory; set queue.spool (or --spool) to a directory, or move the file away";
            }
        }
        return null;
    }

    /** The operator's version of an I/O error met on the spool path; null when the error is about another file. */
    public static String describe(Path spool, IOException e) {
        String file = notADirectory(spool);
        if (file != null) {
            return file;
        }
        String user = System.getProperty("user.name");
        if (!(e instanceof FileSystemException f) || f.getFile() == null) {
            return null;
        }
        Path where = Path.of(f.getFile()).toAbsolutePath();
        Path top = spool.toAbsolutePath();
        if (!where.startsWith(top) && !top.startsWith(where)) {
            return null;
        }
        if (e instanceof AccessDeniedException || !Files.isWritable(existing(where))) {
            Path d = existing(where);
            return d + " cannot be written by user " + user + " (" + owner(d) + "); give the spool to the user the"
                    + " relay runs as: chown -R " + user + " " + spool.toAbsolutePath()
                    + ", or set queue.spool (or --spool) to a directory it owns";
        }
        String reason = f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        return where + ": " + reason + "; check the directory set as queue.spool (or --spool)";
    }

    private static Path existing(Path p) {
        Path q = p.toAbsolutePath();
        while (q.getParent() != null && !Files.exists(q)) {
            q = q.getParent();
        }
        return q;
    }

    private static String owner(Path p) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return "owner " + a.owner().getName() + ", mode " + PosixFilePermissions.toString(a.permissions())
                    + (Files.getFileStore(p).isReadOnly() ? ", read-only file system" : "");
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot read its owner";
        }
    }
}
