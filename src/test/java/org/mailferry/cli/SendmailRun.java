package org.mailferry.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs the sendmail command in the test JVM with the given stdin; captures exit code, stdout, stderr. */
record SendmailRun(int code, String out, String err) {

    /** The config file a sendmail command reaches the relay's spool with (origin domain origin.test). */
    static Path config(Path dir, Path spool) throws java.io.IOException {
        return Files.writeString(dir.resolve("mailferry.toml"),
                "[queue]\nspool = \"" + spool + "\"\n[sendmail]\norigin_domain = \"origin.test\"\n");
    }

    static SendmailRun run(String command, String stdin, List<String> args) {
        return run(command, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
    }

    static SendmailRun run(String command, InputStream stdin, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Sendmail.run(command, new ArrayList<>(args), stdin, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new SendmailRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
