package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Found by ConfigFuzzTest: a NUL in a path value escaped as InvalidPathException (a stack trace). */
class ConfigPathTest {
    @Test
    void pathWithNulIsAConfigError() {
        for (String key : new String[] {"queue.spool", "smtpd.users", "smtpd.tls_cert"}) {
            assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(key, "/var/spool\0x")))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(key)
                    .hasMessageContaining("not a usable path");
        }
    }
}
