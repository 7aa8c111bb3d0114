package org.mailferry.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.config.ConfigLoader;
import org.mailferry.message.Envelope;
import org.mailferry.queue.FileSpool;
import org.mailferry.testing.Closer;
import org.mailferry.testing.LocalUser;
import org.mailferry.testing.LogCapture;
import org.mailferry.testing.RelayFixture;
import org.mailferry.testing.TestSmarthost;

/**
 * Issue 14, items 3 and 4: the unprivileged user eve, with write access to the 1733 maildrop
 * only, can neither stop the pickup of others' drops nor have a drop attributed to root.
 */
class HostileMaildropTest {
    @TempDir
    Path dir;
    private Path spool;
    private Path maildrop;
    private LocalUser eve;
    @AutoClose
    private final Closer closing = new Closer();

    @BeforeEach
    void setUp() throws Exception {
        eve = LocalUser.require("eve");
        spool = dir.resolve("spool");
        maildrop = spool.resolve("maildrop");
        Files.createDirectories(maildrop);
        LocalUser.openPath(spool);
        run(List.of("chmod", "1733", maildrop.toString())); // as installed (Files cannot set the sticky bit)
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(command + ": " + out).isZero();
    }

    private void asEve(String shell) throws Exception {
        LocalUser.Result r = eve.run(List.of("sh", "-c", shell), null);
        assertThat(r.exit()).as(shell + ": " + r.all()).isZero();
    }

    private static Drop message(String subject) {
        return new Drop("root@relay.test", List.of("someone@dest.test"), "", "", "",
                ("Subject: " + subject + "\r\n\r\nhi\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** As cli/Handover: written under .NAME, then renamed. */
    private void dropAsRoot(String name, Drop drop) throws Exception {
        Path tmp = Files.write(maildrop.resolve("." + name), drop.encode());
        Files.move(tmp, maildrop.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void fifoDirectoryUnreadableFileAndSymlinksDoNotStallRootsMessages() throws Exception {
        TestSmarthost smarthost = new TestSmarthost();
        closing.add(smarthost);
        Path target = Files.write(dir.resolve("root-owned-drop"), message("SYMLINK-TARGET").encode());
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        String m = maildrop.toString();
        asEve("cd " + m + " && mkfifo fifo1 fifo2 .fifo3 && mkdir dir1 && echo junk > unreadable && chmod 000 unreadable"
                + " && ln -s /proc/self/environ environ && ln -s " + target + " link-to-root && ln -s fifo1 link-to-fifo"
                + " && ln -s /nonexistent dangling && for i in $(seq 1 100); do mkfifo many$i; done");
        // eve's own valid drop, as her sendmail would write it
        Path evesDrop = Files.write(dir.resolve("eves-drop"), message("from eve").encode());
        Files.setPosixFilePermissions(evesDrop, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        asEve("cp " + evesDrop + " " + m + "/.eve && mv " + m + "/.eve " + m + "/eve");
        List<String> hostile = List.of("fifo1", "fifo2", ".fifo3", "dir1", "environ", "link-to-root",
                "link-to-fifo", "dangling");

        RelayFixture relay = new RelayFixture(spool).smarthost(smarthost.port());
        closing.add(relay);
        LogCapture log = new LogCapture("mailferry.pickup");
        closing.add(log);
        relay.start();
        Thread.sleep(300); // the first scan meets eve's entries before root's drops exist
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            dropAsRoot("root" + i, message("root message " + i));
        }
        List<TestSmarthost.Received> got = new ArrayList<>();
        while (got.size() < 6) {
            TestSmarthost.Received r = smarthost.take(6, TimeUnit.SECONDS);
            assertThat(r).as("delivered so far: " + got.size() + " of 6; log: " + log.lines()).isNotNull();
            got.add(r);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.println("pickup with " + (hostile.size() + 100) + " hostile entries: root's 5 drops and eve's 1"
                + " delivered in " + millis + " ms");
        assertThat(millis).as("root's 5 drops delivered despite eve's entries").isLessThan(5_000);

        List<String> texts = got.stream().map(TestSmarthost.Received::text).toList();
        for (int i = 0; i < 5; i++) {
            int n = i;
            assertThat(texts).anyMatch(t -> t.contains("Subject: root message " + n) && t.contains("from user root)"));
        }
        assertThat(texts).anyMatch(t -> t.contains("Subject: from eve") && t.contains("from user eve)"));
        assertThat(texts).noneMatch(t -> t.contains("SYMLINK-TARGET"));
        assertThat(target).as("a link is moved, never followed").exists();
        try (var aside = Files.list(spool.resolve("corrupt"))) {
            List<String> names = aside.map(p -> p.getFileName().toString()).toList();
            for (String h : hostile) {
                assertThat(names).contains("maildrop-" + h);
            }
            assertThat(names).contains("maildrop-many1", "maildrop-many100").hasSize(hostile.size() + 100 + 1);
        }
        for (String h : hostile) {
            assertThat(log.lines().stream().filter(l -> l.startsWith("maildrop file " + h + ": ")))
                    .as("one log line for " + h).hasSize(1);
        }
        assertThat(log.lines()).anyMatch(l -> l.startsWith("maildrop file fifo1: is a FIFO"));
        assertThat(log.lines()).anyMatch(l -> l.startsWith("maildrop file dir1: is a directory"));
        assertThat(log.lines()).anyMatch(l -> l.startsWith("maildrop file link-to-root: is a symbolic link"));
        // root (the test JVM) reads a mode-000 file; it is then only a malformed drop, owner eve
        assertThat(log.lines()).anyMatch(l -> l.startsWith("maildrop file unreadable: not a Mailferry drop")
                && l.contains("owner eve"));
        try (var left = Files.list(maildrop)) {
            assertThat(left.toList()).isEmpty();
        }
    }

    /**
     * Eve swaps each of her drops for a symbolic link to a root-owned drop (and back) as fast as
     * she can while the pickup runs: a message must never be attributed to root.
     */
    @Test
    void racingTheOwnerCheckNeverYieldsAMessageFromRoot() throws Exception {
        Path target = Files.write(dir.resolve("root-owned-drop"), message("ROOTS CONTENT").encode());
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path mine = Files.write(dir.resolve("eves-drop"), message("EVES CONTENT").encode());
        Files.setPosixFilePermissions(mine, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Path script = Files.writeString(dir.resolve("race.pl"), """
                use strict;
                my ($maildrop, $mine, $target, $seconds) = @ARGV;
                open(my $f, '<', $mine) or die; local $/; my $content = <$f>; close $f;
                my $end = time + $seconds; my $i = 0;
                while (time < $end) {
                    $i++;
                    my $name = "$maildrop/d$i";
                    for my $round (1 .. 200) {
                        open(my $o, '>', "$maildrop/.t$i") or die "write: $!"; print $o $content; close $o;
                        rename("$maildrop/.t$i", $name); # the pickup may have taken it meanwhile
                        symlink($target, "$maildrop/.l$i");
                        rename("$maildrop/.l$i", $name);
                    }
                    unlink $name;
                }
                print "$i\\n";
                """);
        Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        List<Envelope> queued = new CopyOnWriteArrayList<>();
        FileSpool fileSpool = new FileSpool(spool, Clock.systemUTC());
        var config = ConfigLoader.load(null, java.util.Map.of("smtpd.hostname", "relay.test"));
        LocalSubmission local = new LocalSubmission(SessionSettings.from(config.smtpd(), Clock.systemUTC()),
                fileSpool, queued::add);
        Pickup pickup = new Pickup(spool, local);
        closing.add(pickup);
        Thread scanner = Thread.ofPlatform().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    pickup.scan();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        LocalUser.Result r = eve.run(List.of("perl", script.toString(), maildrop.toString(), mine.toString(),
                target.toString(), "3"), null);
        scanner.interrupt();
        scanner.join(10_000);
        assertThat(r.exit()).as(r.all()).isZero();

        List<String> users = queued.stream().map(Envelope::client).toList();
        System.out.println("owner race: eve made " + r.out().strip() + " drop names, " + users.size()
                + " queued, all as " + new java.util.TreeSet<>(users));
        assertThat(users).as("the race was run").isNotEmpty();
        assertThat(users).containsOnly("local user eve");
        for (Envelope e : queued) {
            assertThat(new String(fileSpool.openBody(e.id()).readAllBytes(), StandardCharsets.US_ASCII))
                    .contains("EVES CONTENT").doesNotContain("ROOTS CONTENT");
        }
    }

    /** mailq with the daemon down (run by root) lists the maildrop: eve's entries must not hang it. */
    @Test
    void mailqListingTheMaildropNeitherHangsOnAFifoNorFollowsLinks() throws Exception {
        Path target = Files.write(dir.resolve("root-owned-drop"), message("SYMLINK-TARGET").encode());
        Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        asEve("cd " + maildrop + " && mkfifo fifo && mkdir dir && ln -s " + target + " link");
        dropAsRoot("root0", message("waiting"));
        FileSpool fileSpool = new FileSpool(spool, Clock.systemUTC());
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        long start = System.nanoTime();
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                org.mailferry.cli.QueueListing.print(fileSpool, maildrop, new java.io.PrintStream(out, true,
                        StandardCharsets.UTF_8), java.time.ZoneOffset.UTC));
        System.out.println("mailq over a maildrop with eve's FIFO, directory and link: "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
        String listing = out.toString(StandardCharsets.UTF_8);
        assertThat(listing.lines().filter(l -> l.startsWith("maildrop "))).as(listing).hasSize(1);
        assertThat(listing).contains("root@relay.test").contains("-- 1 Kbytes in 1 Request.");
    }
}
