package org.mailferry.queue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directories and files that hold message data or payloads (queue/, tmp/, journal/, done/,
 * corrupt/, webhooks/): directories 0700, files 0600, whatever the umask, so no local user reads
 * another's messages, the smarthost's replies or a webhook's body.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<Set<PosixFilePermission>> FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private PrivateFiles() {
    }

    /**
     * Creates the directory 0700 when missing; one left open to group or others (by an older
     * version, or by hand) is made 0700, with a log line.
     */
    public static void createDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
            return;
        }
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
            if (!DIRECTORY.containsAll(now) && Files.getOwner(dir).getName().equals(System.getProperty("user.name"))) {
                Files.setPosixFilePermissions(dir, DIRECTORY);
                Log.LOG.warn("{} was mode {}; made it rwx------ (it holds message data)", dir,
                        PosixFilePermissions.toString(now));
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to tighten
        }
    }

    /** Opens a file, creating it 0600 if it does not exist. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, Set.of(options), FILE);
    }

    /**
     * The logger, loaded only when a line is written: the sendmail command writes its maildrop file
     * through {@link #open} with no logging library on its class path.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger("mailferry.spool");
    }
}
