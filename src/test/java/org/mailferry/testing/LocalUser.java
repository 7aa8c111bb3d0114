package org.mailferry.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * An unprivileged local user (created with useradd when missing) to run commands as, with
 * {@code runuser -u NAME --}. Needs root: otherwise the test is skipped, or fails when
 * MAILFERRY_REQUIRE_INTEROP=1.
 */
public record LocalUser(String name) {

    /** What a command printed and how it ended. */
    public record Result(int exit, String out, String err) {
        public String all() {
            return out + err;
        }
    }

    /** The user {@code name}, created (no home, no login shell) if it does not exist. */
    public static LocalUser require(String name) throws IOException, InterruptedException {
        if (!"root".equals(System.getProperty("user.name"))) {
            String why = "running as an unprivileged user needs root (runuser, useradd)";
            if (Tools.interopRequired()) {
                throw new AssertionError(why + "; MAILFERRY_REQUIRE_INTEROP=1 forbids skipping");
            }
            Assumptions.abort(why);
        }
        if (exec(List.of("id", "-u", name), null).exit() != 0) {
            Result r = exec(List.of("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name), null);
            if (r.exit() != 0 && exec(List.of("id", "-u", name), null).exit() != 0) {
                throw new AssertionError("useradd " + name + " failed: " + r.all());
            }
        }
        return new LocalUser(name);
    }

    /** Makes this user a member of {@code group} (created with groupadd when missing). */
    public LocalUser joining(String group) throws IOException, InterruptedException {
        if (exec(List.of("getent", "group", group), null).exit() != 0) {
            exec(List.of("groupadd", group), null);
        }
        Result r = exec(List.of("usermod", "-aG", group, name), null);
        if (r.exit() != 0) {
            throw new AssertionError("usermod -aG " + group + " " + name + " failed: " + r.all());
        }
        return this;
    }

    /** Runs the command as this user; {@code stdin} may be null. */
    public Result run(List<String> command, String stdin) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", name, "--"));
        full.addAll(command);
        return exec(full, stdin);
    }

    /** {@code mailferry ARGS} (org.mailferry.Mailferry on the compiled classes) as this user. */
    public Result mailferry(List<String> args) throws IOException, InterruptedException {
        return java("org.mailferry.Mailferry", args, List.of());
    }

    /**
     * A command of bin/ ({@code mailq}, {@code sendmail}) on the compiled classes, the JVM route,
     * with the config file given.
     */
    public Result bin(String name, Path config, List<String> args, String stdin)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("env", "MAILFERRY_CLASSPATH=" + classPath(),
                "MAILFERRY_CONFIG=" + config, "JAVA_HOME=" + System.getProperty("java.home"), "MAILFERRY_NATIVE=off",
                Path.of("bin", name).toAbsolutePath().toString()));
        cmd.addAll(args);
        return run(cmd, stdin);
    }

    /** A main class on the compiled classes and the runtime jars, as this user. */
    public Result java(String mainClass, List<String> args, List<String> jvmOptions)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", classPath(), mainClass));
        cmd.addAll(args);
        return run(cmd, null);
    }

    private static String classPathCache;

    /**
     * The test JVM's class path made readable for any user: target/classes as it is, the jars
     * (in the root-only Maven repository) copied to a world-readable directory once.
     */
    /** The main code's runtime dependencies (pom.xml, compile scope); the rest is test scope. */
    private static final java.util.regex.Pattern RUNTIME_JARS =
            java.util.regex.Pattern.compile("slf4j-api-|logback-classic-|logback-core-|dnsjava-|postgresql-|HikariCP-");

    public static synchronized String classPath() throws IOException {
        if (classPathCache != null) {
            return classPathCache;
        }
        Path jars = Path.of(System.getProperty("java.io.tmpdir"), "mailferry-localuser-jars");
        Files.createDirectories(jars);
        Files.setPosixFilePermissions(jars, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                if (p.endsWith("classes")) { // main classes only; tests run nothing of theirs as the user
                    out.add(p.toAbsolutePath().toString());
                }
            } else if (entry.endsWith(".jar") && RUNTIME_JARS.matcher(Path.of(entry).getFileName().toString()).lookingAt()) {
                Path copy = jars.resolve(p.getFileName());
                if (!Files.exists(copy)) {
                    Path tmp = jars.resolve(p.getFileName() + "." + ProcessHandle.current().pid());
                    Files.copy(p, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
                    Files.move(tmp, copy, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
                out.add(copy.toString());
            }
        }
        classPathCache = String.join(java.io.File.pathSeparator, out);
        return classPathCache;
    }

    /** Makes the directory and its parents up to / searchable by others (a @TempDir is 0700). */
    public static void openPath(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null && p.getParent() != null; p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(p, perms);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static Result exec(List<String> command, String stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile("localuser", ".out");
        Path err = Files.createTempFile("localuser", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            }
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish in 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
