package org.mailferry.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.mailferry.imports.ImportException;
import org.mailferry.imports.Importer;

/**
 * {@code mailferry import FILE [-o OUT [--force]]}: a sendmail.mc or Postfix main.cf becomes a
 * mailferry.toml, printed (or written to OUT, never over an existing file without --force); the
 * report of every directive goes to standard error. Nothing is written unless the result loads;
 * the file is mode 0644, as it holds no secret (the credentials stay in their own files).
 */
final class ImportCommand {
    static final String USAGE = "usage: mailferry import /etc/mail/sendmail.mc|/etc/postfix/main.cf [-o FILE [--force]]";
    /** sysexits.h: the output file cannot be created (here: it exists and --force was not given). */
    static final int EX_CANTCREAT = 73;

    private ImportCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        String input = null;
        String output = null;
        boolean force = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-h", "--help" -> {
                    out.println(USAGE);
                    out.println("  prints mailferry.toml (or writes FILE) and, on standard error, what became of each"
                            + " directive; see docs/migrating.md");
                    return 0;
                }
                case "-o", "--output" -> {
                    if (i + 1 >= args.size()) {
                        return usage(err, a + " needs a file name");
                    }
                    output = args.get(++i);
                }
                case "--force" -> force = true;
                default -> {
                    if (a.startsWith("-") || input != null) {
                        return usage(err, a.startsWith("-") ? "unknown option " + a : "one file at a time");
                    }
                    input = a;
                }
            }
        }
        if (input == null) {
            return usage(err, "which file? give sendmail.mc or main.cf");
        }
        Path target = output == null ? null : Path.of(output);
        if (target != null && Files.exists(target) && !force) {
            err.println("mailferry import: " + target + " exists; add --force to replace it (nothing was written)");
            return EX_CANTCREAT;
        }
        Importer.Result r;
        try {
            r = Importer.run(Path.of(input));
        } catch (ImportException e) {
            err.println("mailferry import: " + e.getMessage());
            return e.exitCode();
        }
        err.print(r.report());
        try {
            String problem = Importer.check(r.toml(), target == null ? "the generated mailferry.toml" : target.toString());
            if (problem != null) {
                err.println("mailferry import: the generated configuration does not load as it is (nothing was "
                        + "written): " + problem);
                return Sysexits.EX_CONFIG;
            }
            if (target == null) {
                out.print(r.toml());
                return 0;
            }
            write(target, r.toml(), force);
            err.println("mailferry import: wrote " + target + " (" + r.kind() + " " + input + ")");
            return 0;
        } catch (FileAlreadyExistsException e) {
            err.println("mailferry import: " + target + " exists; add --force to replace it (nothing was written)");
            return EX_CANTCREAT;
        } catch (IOException e) {
            err.println("mailferry import: cannot write " + (target == null ? "a temporary file" : target) + ": "
                    + e.getMessage());
            return Sysexits.EX_IOERR;
        }
    }

    /** Written whole under a temporary name beside it, then renamed: a reader never sees half a file. */
    private static void write(Path target, String text, boolean force) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            // no secret in it (credentials stay in their files); the service user and sendmail read it
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            if (force) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.createLink(target, tmp); // fails if the file appeared meanwhile
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int usage(PrintStream err, String why) {
        err.println("mailferry import: " + why);
        err.println(USAGE);
        return Sysexits.EX_USAGE;
    }
}
