package org.mailferry.submission;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;

/**
 * One drop file taken out of the maildrop into the daemon's private SPOOL/pickup/ directory, read
 * as Postfix's pickup reads its maildrop (safe_open: lstat, open O_NOFOLLOW, fstat, same dev and
 * inode, one link).
 *
 * <p>Who sent it is the file's owner, from the kernel, never from its content. The owner is read
 * where no local user can interfere: once the file is in pickup/ (0700), only the daemon can
 * rename, replace or unlink it, and no user can give an inode away (chown is root's); the inode
 * is checked to be the one opened (file key before and after the open). Only a regular file with
 * one link is opened, so a FIFO, device, directory or symbolic link is never opened (a FIFO's open
 * would block), and a hard link to someone else's file cannot borrow its owner.
 */
final class MaildropFile {
    /** The file cannot be a message: why, for the one log line. */
    static final class UnusableException extends Exception {
        UnusableException(String message) {
            super(message);
        }
    }

    /**
     * An opened drop file: its head read, {@link #body} at the body's first byte (streamed into the
     * spool, never whole in memory), and the local user who owns the file.
     */
    record Opened(Drop.Head head, BoundedInput body, String user, InputStream in) implements java.io.Closeable {
        /** The body had all its bytes and nothing follows it; checked before the commit. */
        void complete() throws IOException, Drop.MalformedException {
            body.complete();
            if (in.read() != -1) {
                throw new Drop.MalformedException("bytes after the body");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    private MaildropFile() {
    }

    /** What an entry is, in words, when it is not a regular file. */
    static String kind(PosixFileAttributes a) {
        if (a.isSymbolicLink()) {
            return "a symbolic link";
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        return a.isOther() ? "a FIFO, socket or device" : "not a regular file";
    }

    static PosixFileAttributes lstat(Path p) throws IOException {
        return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /** Opens the claimed file and reads its head; every way it can be unusable is an {@link UnusableException}. */
    static Opened open(Path claimed, long maxBodyBytes, int maxRecipients) throws IOException, UnusableException {
        PosixFileAttributes before = lstat(claimed);
        if (!before.isRegularFile()) {
            throw new UnusableException("is " + kind(before) + ", not a regular file");
        }
        int links = (Integer) Files.getAttribute(claimed, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
        if (links != 1) {
            throw new UnusableException("has " + links + " links (a hard link to another file), owner "
                    + before.owner().getName());
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(claimed, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (AccessDeniedException e) {
            throw new UnusableException("is not readable by the daemon (mode "
                    + PosixFilePermissions.toString(before.permissions()) + ", owner " + before.owner().getName() + ")");
        } catch (java.nio.file.NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            throw new UnusableException("cannot be opened: " + e.getReason());
        }
        InputStream in = new BufferedInputStream(Channels.newInputStream(ch), 65536);
        try {
            PosixFileAttributes opened = lstat(claimed);
            if (!Objects.equals(before.fileKey(), opened.fileKey())) {
                throw new UnusableException("was replaced while being opened");
            }
            String user = opened.owner().getName();
            Drop.Head head;
            try {
                head = Drop.readHead(in, maxRecipients);
                if (head.bodyLength() > maxBodyBytes) {
                    throw new Drop.TooBigException(head.bodyLength(), maxBodyBytes);
                }
            } catch (Drop.MalformedException | Drop.TooBigException | Drop.TooManyRecipientsException e) {
                throw new UnusableException(e.getMessage() + ", owner " + user);
            }
            return new Opened(head, new BoundedInput(in, head.bodyLength()), user, in);
        } catch (IOException | UnusableException | RuntimeException e) {
            in.close();
            throw e;
        }
    }
}
