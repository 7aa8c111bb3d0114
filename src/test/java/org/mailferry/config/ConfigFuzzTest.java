package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of the configuration reader: any text gives values or one
 * ConfigException naming the line, never another exception (which would reach the user as a
 * stack trace). Regression mode replays the committed inputs; test-scripts/fuzz.sh fuzzes longer.
 */
class ConfigFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void toml(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            Map<String, Toml.Value> values = Toml.parse("fuzz.toml", text);
            assertThat(values).doesNotContainKey(null);
        } catch (ConfigException expected) {
            assertThat(expected.getMessage()).startsWith("fuzz.toml");
        }
    }

    /** Every key with an arbitrary value: a Config or a ConfigException, as the CLI reports it. */
    @FuzzTest(maxDuration = "60s")
    void loader(FuzzedDataProvider data) {
        Key key = Key.ALL.get(data.consumeInt(0, Key.ALL.size() - 1));
        String value = data.consumeRemainingAsString();
        try {
            assertThat(ConfigLoader.load(null, Map.of(key.name(), value))).isNotNull();
        } catch (ConfigException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
