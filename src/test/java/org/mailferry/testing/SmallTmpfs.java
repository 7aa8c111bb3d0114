package org.mailferry.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted under a test directory, to fill the disk on purpose. Needs root; the test
 * is skipped without it, unless MAILFERRY_REQUIRE_INTEROP=1 (CI), where it fails.
 */
public final class SmallTmpfs implements AutoCloseable {
    public final Path path;

    private SmallTmpfs(Path path) {
        this.path = path;
    }

    public static SmallTmpfs mount(Path dir, String size) throws Exception {
        Path m = Files.createDirectories(dir);
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!(root && run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", m.toString()) == 0)) {
            Assumptions.assumeTrue(Tools.interopRequired(), "needs root to mount a small tmpfs");
            throw new AssertionError("cannot mount a " + size + " tmpfs (run as root)");
        }
        return new SmallTmpfs(m);
    }

    /** Gives the file system more room (space returns). */
    public void resize(String size) throws Exception {
        if (run("mount", "-o", "remount,size=" + size, path.toString()) != 0) {
            throw new AssertionError("cannot remount " + path + " with size " + size);
        }
    }

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Override
    public void close() throws Exception {
        if (run("umount", path.toString()) != 0) {
            run("umount", "-l", path.toString());
        }
    }
}
