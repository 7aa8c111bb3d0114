package org.mailferry.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.testing.FaultyDisk;

/**
 * The one durable-write routine on a disk that fails and loses power on purpose: a failed write or
 * sync leaves the old file and no temporary one; a file published with its directory synced
 * survives a power cut; one whose directory the caller syncs later does only after that sync; a
 * leftover temporary file of a crash is replaced, not written through.
 */
class DurableFileTest {
    @TempDir
    Path root;

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private Path dir() throws IOException {
        return Files.createDirectories(root.resolve("webhooks")); // a directory FaultyDisk keeps an image of
    }

    @Test
    void aFailedWriteOrSyncLeavesTheOldFileAndNoTemporaryOne() throws IOException {
        Path dir = dir();
        Path target = dir.resolve("state");
        Files.write(target, bytes("old"));
        FaultyDisk disk = new FaultyDisk(root);
        for (boolean writes : new boolean[] {true, false}) {
            disk.failWrites(writes).failSyncs(!writes);
            assertThatThrownBy(() -> DurableFile.write(disk, dir.resolve("state.tmp"), target, bytes("new"),
                    DurableFile.DirectorySync.NOW)).isInstanceOf(IOException.class);
            assertThat(target).hasContent("old");
            assertThat(dir.resolve("state.tmp")).doesNotExist();
        }
    }

    @Test
    void aPublishedFileSurvivesAPowerCutOnceItsDirectoryIsSynced() throws IOException {
        Path dir = dir();
        FaultyDisk disk = new FaultyDisk(root);
        DurableFile.write(disk, dir.resolve(".a.tmp"), dir.resolve("a"), bytes("now"), "rw-r--r--",
                DurableFile.DirectorySync.NOW);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a"))))
                .isEqualTo("rw-r--r--");
        DurableFile.write(disk, dir.resolve(".b.tmp"), dir.resolve("b"), bytes("later"),
                DurableFile.DirectorySync.BY_CALLER);
        disk.cut();
        disk.restore();
        assertThat(dir.resolve("a")).hasContent("now");
        assertThat(dir.resolve("b")).as("its directory was never synced").doesNotExist();
    }

    @Test
    void aLeftoverTemporaryFileIsReplacedNotWrittenThrough() throws IOException {
        Path dir = dir();
        Path elsewhere = Files.writeString(root.resolve("elsewhere"), "keep");
        Files.createSymbolicLink(dir.resolve("x.tmp"), elsewhere);
        DurableFile.write(Disk.system(), dir.resolve("x.tmp"), dir.resolve("x"), bytes("mine"),
                DurableFile.DirectorySync.NOW);
        assertThat(dir.resolve("x")).hasContent("mine");
        assertThat(elsewhere).hasContent("keep");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("x"))))
                .isEqualTo("rw-------");
    }
}
