package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Findings of ConfigFuzzTest, each kept as a plain test: user input must give a ConfigException. */
class ConfigPathTest {
    @Test
    void pathWithNulIsAConfigError() {
        for (String key : new String[] {"queue.spool", "smtpd.users", "smtpd.tls_cert", "webhook.secret_file"}) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(key, "/var/spool\0x")))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key)
                    .hasMessageContaining("not a usable path");
        }
    }

    @Test
    void hugeDurationsAreConfigErrorsNotOverflows() {
        for (String v : new String[] {"1222222222222222he", "1222222222222222d", "99999999999999999999999s",
                "9223372036854775807w"}) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("queue.lifetime", v)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("queue.lifetime");
        }
    }

    @Test
    void hugeSizesAreConfigErrorsNotWrappedAround() {
        for (String v : new String[] {"99999999999GiB", "9223372036854775807KiB", "99999999999999999999"}) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("smtpd.max_message_size", v)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("smtpd.max_message_size")
                    .hasMessageContaining("too large");
        }
    }
}
