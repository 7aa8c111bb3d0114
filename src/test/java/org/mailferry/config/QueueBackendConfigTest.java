package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** queue.backend and the postgresql keys: defaults, values, and each mistake's one-line message. */
class QueueBackendConfigTest {
    @TempDir
    Path dir;

    @Test
    void theFileSpoolIsTheDefault() throws Exception {
        assertThat(ConfigLoader.load(null, Map.of()).queue().postgresql()).isNull();
    }

    @Test
    void postgresqlWithItsDefaultsAndAPasswordFile() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "s3cret\nignored\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        Config.Postgresql pg = ConfigLoader.load(null, Map.of("queue.backend", "postgresql",
                "queue.postgresql_url", "jdbc:postgresql://db.example:5432/mail",
                "queue.postgresql_password_file", pw.toString())).queue().postgresql();
        assertThat(pg.url()).isEqualTo("jdbc:postgresql://db.example:5432/mail");
        assertThat(pg.user()).isEqualTo("mailferry");
        assertThat(pg.poolSize()).isEqualTo(20);
        assertThat(pg.leaseTime()).isEqualTo(Duration.ofSeconds(60));
        assertThat(pg.pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(pg.prefetch(4)).as("8 x relay.concurrency").isEqualTo(32);
        assertThat(pg.password().reveal()).isEqualTo("s3cret");
        assertThat(pg.passwordCommand()).isEmpty();
    }

    @Test
    void aPrefetchSetIsKeptWhateverTheConcurrency() throws Exception {
        Config.Postgresql pg = ConfigLoader.load(null, Map.of("queue.backend", "postgresql",
                "queue.postgresql_url", "jdbc:postgresql://127.0.0.1/mail", "queue.prefetch", "0")).queue().postgresql();
        assertThat(pg.prefetch(4)).isZero();
        assertThat(pg.prefetch(100)).isZero();
    }

    @Test
    void aPasswordCommandsFirstLine() throws Exception {
        Config.Postgresql pg = ConfigLoader.load(null, Map.of("queue.backend", "postgresql",
                "queue.postgresql_url", "jdbc:postgresql://127.0.0.1/mail",
                "queue.postgresql_password_command", "[\"printf\", \"from-command\\\\nsecond\"]")).queue().postgresql();
        assertThat(pg.passwordCommand()).containsExactly("printf", "from-command\\nsecond");
        assertThat(pg.password().reveal()).isEqualTo("from-command");
    }

    @Test
    void aPasswordFileOthersMayReadIsRefusedAtLoad() throws Exception {
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "s3cret\n");
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
        String error = ConfigLoaderTest.errorOf(dir, """
                [queue]
                backend = "postgresql"
                postgresql_url = "jdbc:postgresql://127.0.0.1/mail"
                postgresql_password_file = "%s"
                """.formatted(pw));
        assertThat(error).isEqualTo(pw + ": holds a secret but has mode 0644 (rw-r--r--) (group/others may read it); run: chmod 600 " + pw);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "backend = \"mysql\"|FILE:2: queue.backend must be \"files\" or \"postgresql\"",
        "backend = \"postgresql\"|FILE:2: queue.backend = \"postgresql\" needs queue.postgresql_url = \"jdbc:postgresql://HOST:PORT/DATABASE\"",
        "backend = \"postgresql\"\\npostgresql_url = \"postgres://h/db\"|FILE:3: queue.backend = \"postgresql\" needs queue.postgresql_url = \"jdbc:postgresql://HOST:PORT/DATABASE\"",
        "backend = \"postgresql\"\\npostgresql_url = \"jdbc:postgresql://h/db?user=m&password=x\"|FILE:3: queue.postgresql_url must not hold the password (it is shown in logs and by config show); put it in queue.postgresql_password_file (mode 600) instead",
        "backend = \"postgresql\"\\npostgresql_url = \"jdbc:postgresql://h/db\"\\npostgresql_password_file = \"/etc/hostname\"\\npostgresql_password_command = [\"true\"]|FILE:5: set queue.postgresql_password_file or queue.postgresql_password_command, not both",
        "backend = \"postgresql\"\\npostgresql_url = \"jdbc:postgresql://h/db\"\\nlease_time = \"2s\"|FILE:4: queue.lease_time must be at least 3s (it is renewed every third of it)",
        "backend = \"postgresql\"\\npostgresql_url = \"jdbc:postgresql://h/db\"\\npostgresql_pool_size = 1|FILE:4: queue.postgresql_pool_size = 1 is out of range: it must be from 2 to 1000",
        "backend = \"postgresql\"\\npostgresql_url = \"jdbc:postgresql://h/db\"\\nprefetch = -1|FILE:4: queue.prefetch = -1 is out of range: it must be from 0 to 100000",
    })
    void eachMistakeIsOneLineWithFileAndLine(String queueTable, String expected) {
        String error = ConfigLoaderTest.errorOf(dir, "[queue]\n" + queueTable.replace("\\n", "\n") + "\n");
        assertThat(error).startsWith(expected);
    }

    @Test
    void unusedWithTheFileSpool() throws Exception {
        assertThat(ConfigLoader.load(null, Map.of("queue.postgresql_url", "jdbc:postgresql://h/db")).queue().postgresql())
                .isNull();
        assertThat(List.of(Key.QUEUE_BACKEND.defaultValue())).containsExactly("files");
    }
}
