package org.mailferry.admin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.mailferry.queue.Disk;
import org.mailferry.queue.DurableFile;

/**
 * The admin API's bearer token: {@code SPOOL/admin.token}, written fresh by each daemon start,
 * readable only by the service user (and root), or also by {@code admin.group} (mode 0640). Who
 * can read the file may drive the queue; nobody else can, whatever reaches the port.
 */
public final class AdminToken {
    public static final String FILE = "admin.token";
    /** The shortest token a reload takes from the file. */
    static final int MIN_LENGTH = 32;
    private static final String RECIPE = "umask 077; openssl rand -base64 33 | tr '+/' '-_' > ";

    private AdminToken() {
    }

    public static Path of(Path spool) {
        return spool.resolve(FILE);
    }

    /** Writes a new random token (tmp, fsync, rename, directory fsync: {@link DurableFile}) and returns it. */
    public static String create(Path spool, String group) throws IOException {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        try (DurableFile file = DurableFile.create(Disk.system(), spool.resolve(FILE + ".tmp"))) {
            file.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
            file.sync();
            if (!group.isEmpty()) {
                giveToGroup(file.tmp(), spool, group); // a failure removes the temporary file
            }
            file.publish(of(spool), DurableFile.DirectorySync.NOW);
        }
        return token;
    }

    private static void giveToGroup(Path tmp, Path spool, String group) throws IOException {
        try {
            GroupPrincipal g = spool.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setGroup(g);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r-----"));
        } catch (UserPrincipalNotFoundException e) {
            throw new IOException("admin.group: no group named '" + group + "' (groupadd " + group
                    + ", or remove admin.group)");
        } catch (IOException e) {
            throw new IOException("admin.group: cannot give " + of(spool) + " to group " + group + " ("
                    + e.getMessage() + "); the service user must be a member: usermod -aG " + group + " "
                    + System.getProperty("user.name"));
        }
    }

    /** The running daemon's token; AccessDeniedException for a user who may not have it. */
    public static String read(Path spool) throws IOException {
        return Files.readString(of(spool), StandardCharsets.US_ASCII).strip();
    }

    /**
     * The token an operator put in the file for a reload to take (the daemon's own is 43
     * characters): at least {@value #MIN_LENGTH} characters without blanks, in a file others may
     * not read. An IOException says what is wrong and the fix; the reload is then refused.
     */
    public static String readForReload(Path spool) throws IOException {
        Path file = of(spool);
        String token;
        try {
            if (Files.getPosixFilePermissions(file).stream().anyMatch(p -> p.name().startsWith("OTHERS_"))) {
                throw new IOException(file + " may be read or written by other users; chmod 600 " + file);
            }
            token = read(spool);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + " is missing; write a new token into it (" + RECIPE + file + ")");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException("cannot read " + file + " as " + System.getProperty("user.name")
                    + "; the service user must own it: chown " + System.getProperty("user.name") + " " + file);
        }
        if (token.length() < MIN_LENGTH || !token.matches("[\\x21-\\x7e]+")) {
            throw new IOException(file + " does not hold a token of at least " + MIN_LENGTH + " characters without "
                    + "blanks; write a new one (" + RECIPE + file + ")");
        }
        return token;
    }

    /** Compares in constant time. */
    static boolean matches(String token, String presented) {
        return presented != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.US_ASCII));
    }
}
