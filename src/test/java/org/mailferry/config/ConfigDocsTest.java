package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md documents every key with its default. */
class ConfigDocsTest {
    @Test
    void everyKeyIsDocumentedWithItsDefault() throws Exception {
        String doc = Files.readString(Path.of("docs/configuration.md"));
        for (Key k : Key.ALL) {
            String name = k.name().substring(k.name().indexOf('.') + 1);
            String table = k.name().substring(0, k.name().indexOf('.'));
            assertThat(doc).as("docs/configuration.md mentions [%s]", table).contains("[" + table + "]");
            assertThat(doc).as("docs/configuration.md documents %s", k.name()).contains("`" + k.name() + "`");
            assertThat(doc).as("docs/configuration.md gives the default of %s", k.name())
                    .contains(k.defaultValue().replace("\\\"", "\""));
        }
    }
}
