package org.mailferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A command run as root (the test's own user) or as an unprivileged {@link LocalUser} (runuser),
 * always with a clean environment of the test's choosing (env -i) and a working directory; what it
 * printed, how it ended and how long it took. A command that outlives its time limit is killed and
 * the test fails, so a hanging client fails fast instead of hanging the build.
 */
public final class UserProcess {
    private final String user;
    private final Map<String, String> env = new LinkedHashMap<>();
    private Path cwd = Path.of("/");

    /** One run. */
    public record Result(int exit, String out, String err, Duration took) {
    }

    private UserProcess(String user) {
        this.user = user;
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("JAVA_HOME", System.getProperty("java.home"));
    }

    /** The test's own user (root where these tests run). */
    public static UserProcess self() {
        return new UserProcess(null);
    }

    /** An unprivileged user, created if missing (skips the test when not root, as {@link LocalUser}). */
    public static UserProcess as(String name) throws IOException, InterruptedException {
        return new UserProcess(LocalUser.require(name).name());
    }

    /** The test's user and the unprivileged {@code name}: each local entry point is tried as both. */
    public static List<UserProcess> bothWith(String name) throws IOException, InterruptedException {
        return List.of(self(), as(name));
    }

    public String user() {
        return user == null ? System.getProperty("user.name") : user;
    }

    public UserProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public UserProcess cwd(Path dir) {
        cwd = dir;
        return this;
    }

    /** The process, started with {@code stdin} given whole (null: /dev/null). */
    public Process start(byte[] stdin, List<String> command) throws IOException {
        List<String> full = new ArrayList<>();
        if (user != null) {
            full.addAll(List.of("runuser", "-u", user, "--"));
        }
        full.addAll(List.of("env", "-i", "-C", cwd.toString()));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full);
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        if (stdin != null) {
            Thread.ofVirtual().start(() -> {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the command may exit without reading all of it
                }
            });
        }
        return p;
    }

    public Result run(String stdin, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = start(stdin == null ? null : stdin.getBytes(StandardCharsets.UTF_8), List.of(command));
        java.util.concurrent.CompletableFuture<String> out = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<String> err = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> read(p.getInputStream(), out));
        Thread.ofVirtual().start(() -> read(p.getErrorStream(), err));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " as " + user() + " did not finish in "
                    + timeoutSeconds + " s");
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        return new Result(p.exitValue(), out.join(), err.join(), took);
    }

    private static void read(java.io.InputStream in, java.util.concurrent.CompletableFuture<String> to) {
        try {
            to.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            to.complete("(unreadable: " + e + ")");
        }
    }

    /** Makes the directory and its parents searchable by others, and the directory itself 0755. */
    public static Path open(Path dir) throws IOException {
        LocalUser.openPath(dir);
        return dir;
    }

    /** A directory anyone may write to but not list, as the maildrop (1733). */
    public static Path dropBox(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Tools.run(List.of("chmod", "1733", dir.toString()), dir.resolveSibling(dir.getFileName() + ".chmod"), 10);
        return dir;
    }
}
