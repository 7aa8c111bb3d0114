package org.mailferry.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A second checkout in a temporary directory, as far as the sendmail command sees one: bin/sendmail
 * and bin/lib/env.sh, the compiled classes in target/classes and the native client in target/
 * (copies, not links: both clients find their installation from their own file). Its default spool
 * is {@link #spool}, made ready for local users (public/ 0755, maildrop/ 1733), the whole path
 * searchable by others.
 */
public final class CheckoutCopy {
    private static final Path HOME = Path.of("").toAbsolutePath();
    public final Path home;

    private CheckoutCopy(Path home) {
        this.home = home;
    }

    public static CheckoutCopy in(Path home) throws IOException, InterruptedException {
        Files.createDirectories(home.resolve("bin/lib"));
        Files.copy(HOME.resolve("bin/sendmail"), home.resolve("bin/sendmail"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(HOME.resolve("bin/lib/env.sh"), home.resolve("bin/lib/env.sh"), StandardCopyOption.COPY_ATTRIBUTES);
        Path classes = HOME.resolve("target/classes");
        try (Stream<Path> all = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = home.resolve("target/classes").resolve(classes.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        Files.copy(NativeSendmail.binary(), home.resolve("target/mailferry-sendmail"), StandardCopyOption.COPY_ATTRIBUTES);
        CheckoutCopy c = new CheckoutCopy(home);
        UserProcess.open(home);
        for (Path d : List.of(home.resolve("var"), c.spool(), c.spool().resolve("public"))) {
            UserProcess.open(Files.createDirectories(d));
        }
        UserProcess.dropBox(c.spool().resolve("maildrop"));
        try (Stream<Path> all = Files.walk(home)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isDirectory(p) && !p.endsWith("maildrop")) {
                    Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
        return c;
    }

    /** The checkout's default spool: var/spool beside target/. */
    public Path spool() {
        return home.resolve("var/spool");
    }

    /** bin/sendmail of this checkout. */
    public Path sendmail() {
        return home.resolve("bin/sendmail");
    }

    /** A user's sendmail run of this checkout: the native client, or the Java command (MAILFERRY_NATIVE=off). */
    public UserProcess.Result send(UserProcess as, boolean jvm, String stdin, String... args)
            throws IOException, InterruptedException {
        as.env("MAILFERRY_CLASSPATH", home.resolve("target/classes").toString()).env("MAILFERRY_NATIVE", jvm ? "off" : "");
        String[] cmd = Stream.concat(Stream.of(sendmail().toString()), Stream.of(args)).toArray(String[]::new);
        return as.run(stdin, 60, cmd);
    }
}
