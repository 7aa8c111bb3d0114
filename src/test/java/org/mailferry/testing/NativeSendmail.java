package org.mailferry.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * sendmail's native client (src/main/c/sendmail.c), compiled once per test run with the C compiler
 * into target/test-native/ (warnings are errors: the file must build clean), and run as a process.
 * Without cc the test is skipped, or fails when MAILFERRY_REQUIRE_INTEROP=1 (CI, which installs
 * gcc). Where it falls back to (MAILFERRY_SENDMAIL_JVM) is the test's choice: the real Java
 * command ({@link #javaCommand}) or a {@link #tripwire} that records what it was given.
 */
public final class NativeSendmail {
    public static final Path HOME = Path.of("").toAbsolutePath();
    /** What the tripwire exits with: the client went to the Java command. */
    public static final int TRIPWIRE = 99;
    private static Path binary;

    private final Map<String, String> env = new LinkedHashMap<>();
    private Path cwd = HOME;

    /** One process's outcome. */
    public record Result(int code, String out, String err) {
    }

    /** The compiled client. */
    public static synchronized Path binary() throws IOException, InterruptedException {
        if (binary == null) {
            Path cc = Tools.require("cc", "gcc");
            Path dir = Files.createDirectories(HOME.resolve("target/test-native"));
            Path out = dir.resolve("mailferry-sendmail");
            Path log = dir.resolve("cc.log");
            int code = Tools.run(List.of(cc.toString(), "-O2", "-Wall", "-Wextra", "-Werror", "-o", out.toString(),
                    HOME.resolve("src/main/c/sendmail.c").toString()), log, 120);
            String messages = Files.readString(log);
            if (code != 0 || !messages.isBlank()) {
                throw new AssertionError("src/main/c/sendmail.c does not build clean:\n" + messages);
            }
            binary = out;
        }
        return binary;
    }

    /** A client whose Java command is the checkout's bin/sendmail on the compiled classes. */
    public static NativeSendmail javaCommand() {
        return new NativeSendmail().jvm(HOME.resolve("bin/sendmail"));
    }

    /**
     * A client whose "Java command" is a script that saves its standard input to
     * {@code dir/jvm.stdin} and its arguments (one a line) to {@code dir/jvm.args}, then exits
     * {@link #TRIPWIRE}.
     */
    public static NativeSendmail tripwire(Path dir) throws IOException {
        Path script = dir.resolve("jvm");
        Files.writeString(script, "#!/bin/sh\ncat > \"$0.stdin\"\nprintf '%s\\n' \"$@\" > \"$0.args\"\nexit "
                + TRIPWIRE + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new NativeSendmail().jvm(script);
    }

    private NativeSendmail jvm(Path command) {
        env.put("MAILFERRY_SENDMAIL_JVM", command.toString());
        env.put("MAILFERRY_CLASSPATH", HOME.resolve("target/classes").toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return this;
    }

    public NativeSendmail env(String name, String value) {
        env.put(name, value);
        return this;
    }

    public NativeSendmail cwd(Path dir) {
        cwd = dir;
        return this;
    }

    /** The process, started, its standard input still open. */
    public Process start(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(binary().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().remove("MAILFERRY_CONFIG");
        pb.environment().remove("MAILFERRY_NATIVE");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** A run with -C config that must take the fast path: the Java command is not run. */
    public Result send(Path config, String stdin, String... args) throws IOException, InterruptedException {
        List<String> a = new ArrayList<>(List.of("-C", config.toString()));
        a.addAll(List.of(args));
        Result r = run(stdin, a.toArray(String[]::new));
        if (r.code() == TRIPWIRE) {
            throw new AssertionError("the native client went to the Java command: " + r.err());
        }
        return r;
    }

    public Result run(String stdin, String... args) throws IOException, InterruptedException {
        return run(stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    public Result run(byte[] stdin, String... args) throws IOException, InterruptedException {
        Process p = start(args);
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // the command may exit without reading all of it (a usage error)
            }
        });
        java.util.concurrent.CompletableFuture<byte[]> out = new java.util.concurrent.CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                out.complete(p.getInputStream().readAllBytes());
            } catch (IOException e) {
                out.completeExceptionally(e);
            }
        });
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the native client did not finish in 60 s");
        }
        writer.join();
        return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }
}
