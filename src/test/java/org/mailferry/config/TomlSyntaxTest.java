package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The hand-written checks that replaced regular expressions (kept out of sendmail's start-up). */
class TomlSyntaxTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"n = 42|42", "n = -7|-7", "n = +1_000|1000", "n = 1_2_3|123"})
    void integers(String line, long value) throws Exception {
        assertThat(Toml.parse("t", line).get("n").value()).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"n = 1__0", "n = _1", "n = 1_", "n = +", "n = 1a", "[a..b]\nx = 1", "[a.]\nx = 1",
        "b@d = 1", "[t b]\nx = 1", "a. = 1", "a..b = 1", "a = 1\na.b = 2", "a.b = 1\na = 2", "a.b = 1\n[a]\nc = 2",
        "[a.b]\nx = 1\n[a]\nb = 2", "a.b = 1\na . b = 2"})
    void malformed(String text) {
        assertThatThrownBy(() -> Toml.parse("t", text)).isInstanceOf(ConfigException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[a.b-c_d]\r\nkey_1 = 2\r\n", "[a.b-c_d]\nkey_1 = 2"})
    void tablesKeysAndLineEnds(String text) throws Exception {
        assertThat(Toml.parse("t", text).get("a.b-c_d.key_1").value()).isEqualTo(2L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b-c_d.key_1 = 2", "a . b-c_d. key_1 = 2", "[a]\nb-c_d.key_1 = 2", "a.x = 1\n[a.b-c_d]\nkey_1 = 2"})
    void dottedKeys(String text) throws Exception {
        assertThat(Toml.parse("t", text).get("a.b-c_d.key_1").value()).isEqualTo(2L);
    }
}
