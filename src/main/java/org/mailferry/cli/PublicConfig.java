package org.mailferry.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.mailferry.config.ConfigException;
import org.mailferry.config.Toml;
import org.mailferry.queue.Disk;
import org.mailferry.queue.DurableFile;

/**
 * SPOOL/public/sendmail.conf: the part of the config file the sendmail command needs (queue.spool,
 * smtpd.hostname, sendmail.origin_domain as resolved), nothing secret, written by the daemon at each start, mode
 * 0644. A config file holding a secret is mode 600, so other users' sendmail cannot read it (cron,
 * PHP's mail()); then the command reads this file instead, from the default spool ({@link
 * org.mailferry.config.DefaultSpool}: /var/spool/mailferry when installed), and only if its first
 * line names that same config file:
 * <pre>
 *   config = "/etc/mailferry/mailferry.toml"
 *   # comment
 *   [queue]
 *   spool = "/var/spool/mailferry"
 *   [smtpd]
 *   hostname = "mail.example.com"
 *   [sendmail]
 *   origin_domain = "example.com"
 * </pre>
 * The native client reads it the same way (src/main/c/sendmail.c).
 */
public final class PublicConfig {
    static final String NAME = "sendmail.conf";

    private PublicConfig() {
    }

    static Path in(Path spool) {
        return spool.resolve("public").resolve(NAME);
    }

    /** Writes the file for the daemon's config (null: none, the defaults): temporary name, fsync, rename. */
    public static Path write(Path spool, Path configFile, String hostname, String originDomain) throws IOException {
        String config = configFile == null ? "" : configFile.toRealPath().toString();
        String text = "config = " + quoted(config) + "\n"
                + "# Written by the Mailferry daemon at each start for the sendmail command, which reads it\n"
                + "# when it may not read the config file named above (mode 600). Nothing secret; do not edit.\n"
                + "[queue]\nspool = " + quoted(spool.toAbsolutePath().normalize().toString()) + "\n"
                + "[smtpd]\nhostname = " + quoted(hostname) + "\n"
                + "[sendmail]\norigin_domain = " + quoted(originDomain) + "\n";
        Path target = in(spool);
        Files.createDirectories(target.getParent());
        DurableFile.write(Disk.system(), target.resolveSibling("." + NAME + ".tmp"), target,
                text.getBytes(StandardCharsets.UTF_8), "rw-r--r--", DurableFile.DirectorySync.NOW);
        return target;
    }

    /** A TOML basic string. */
    private static String quoted(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /**
     * The text of the file in {@code spool} for the config file {@code name}, which this user may
     * not read; or why it cannot stand in for it, with what to do.
     */
    static String read(String name, Path spool) throws SendmailConfig.MissingException {
        Path file = in(spool);
        String cannot = name + ": cannot read the config file (permission denied; mode 600 when it holds a secret), and ";
        String fix = "; start the daemon with this config (it writes " + file + " at start), or make " + name
                + " readable for all (chmod 644) if it holds no secret";
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SendmailConfig.MissingException(cannot + file + " does not exist" + fix);
        } catch (IOException e) {
            throw new SendmailConfig.MissingException(cannot + "cannot read " + file + ": " + e.getMessage() + fix);
        }
        Object describes;
        try {
            Map<String, Toml.Value> values = Toml.parse(file.toString(), text);
            describes = values.containsKey("config") ? values.get("config").value() : null;
        } catch (ConfigException e) {
            throw new SendmailConfig.MissingException(cannot + e.getMessage() + fix);
        }
        if (!(describes instanceof String other) || !sameFile(other, name)) {
            throw new SendmailConfig.MissingException(cannot + file + " describes another config file ("
                    + (describes instanceof String s && !s.isEmpty() ? s : "none") + ")" + fix);
        }
        return text;
    }

    /** The same file; by name when the user may not even look it up (a 0700 directory). */
    private static boolean sameFile(String a, String b) {
        try {
            return !a.isEmpty() && Files.isSameFile(Path.of(a), Path.of(b));
        } catch (IOException e) {
            return Path.of(a).equals(Path.of(b).toAbsolutePath().normalize());
        } catch (RuntimeException e) {
            return false;
        }
    }
}
