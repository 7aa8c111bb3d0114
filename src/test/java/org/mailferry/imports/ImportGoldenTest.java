package org.mailferry.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case under src/test/resources/import/: a sendmail.mc or main.cf (with the files it names,
 * written {@code @DIR@/name}) and what importing it must give: expected.toml and expected.report,
 * or expected.error (the exit code, then the one message). Every generated configuration must load
 * with the real ConfigLoader. {@code -Dimport.golden.update=true} rewrites the expected files
 * (review the diff).
 */
class ImportGoldenTest {
    private static final Path CASES = Path.of("src/test/resources/import");
    private static final boolean UPDATE = Boolean.getBoolean("import.golden.update");

    @TempDir
    Path dir;

    static List<String> cases() throws IOException {
        try (Stream<Path> all = Files.list(CASES)) {
            return all.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void importsAsExpected(String name) throws Exception {
        Path input = copy(CASES.resolve(name));
        Path expected = CASES.resolve(name);
        try {
            Importer.Result r = Importer.run(input);
            String toml = hide(r.toml());
            String report = hide(r.report());
            String loads = Importer.check(r.toml(), "the generated mailferry.toml");
            if (UPDATE) {
                write(expected.resolve("expected.toml"), toml);
                write(expected.resolve("expected.report"), report);
                Files.deleteIfExists(expected.resolve("expected.error"));
            }
            assertThat(Files.exists(expected.resolve("expected.error"))).as("%s: expected an error", name).isFalse();
            assertThat(toml).isEqualTo(read(expected.resolve("expected.toml")));
            assertThat(report).isEqualTo(read(expected.resolve("expected.report")));
            assertThat(loads).as("the generated configuration loads with the real ConfigLoader").isNull();
        } catch (ImportException e) {
            String got = "exit " + e.exitCode() + "\n" + hide(String.valueOf(e.getMessage())) + "\n";
            if (UPDATE) {
                write(expected.resolve("expected.error"), got);
            }
            if (!Files.exists(expected.resolve("expected.error"))) {
                fail(name + ": unexpected error: " + got);
            }
            assertThat(got).isEqualTo(read(expected.resolve("expected.error")));
            assertThat(e.getMessage()).as("one line, never a stack trace").doesNotContain("\n", "Exception");
        }
    }

    /** Copies the case's files (not expected.*) to the temporary directory, @DIR@ replaced; the input's path. */
    private Path copy(Path caseDir) throws IOException {
        Path input = null;
        try (Stream<Path> files = Files.walk(caseDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = caseDir.relativize(f).toString();
                if (name.startsWith("expected.")) {
                    continue;
                }
                Path to = dir.resolve(name);
                Files.createDirectories(to.getParent());
                Files.writeString(to, Files.readString(f, StandardCharsets.ISO_8859_1).replace("@DIR@", dir.toString()),
                        StandardCharsets.ISO_8859_1);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
                if (name.equals("sendmail.mc") || name.equals("main.cf") || name.equals("input")) {
                    input = to;
                }
            }
        }
        return input == null ? dir.resolve("sendmail.mc") : input;
    }

    private String hide(String s) {
        return s.replace(dir.toString(), "@DIR@");
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "(missing " + f + ")";
    }

    private static void write(Path f, String s) throws IOException {
        Files.writeString(f, s, StandardCharsets.UTF_8);
    }
}
