package org.mailferry.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class JsonTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "plain|`\"plain\"`",
        "a\"b|`\"a\\\"b\"`",
        "a\\b|`\"a\\\\b\"`",
        "ünï ✓|`\"ünï ✓\"`",
    })
    void escapesPerRfc8259(String in, String out) {
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, in);
        assertThat(sb.toString()).isEqualTo(out);
    }

    @Test
    void escapesEveryControlCharacterAndLineSeparators() {
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, "\n\r\t\b\f\u0000\u001f\u2028\u007f");
        assertThat(sb.toString()).isEqualTo("\"\\n\\r\\t\\b\\f\\u0000\\u001f\\u2028\u007f\"");
    }

    @Test
    void writesObjectsWithNullsNumbersInstantsAndArrays() {
        String inner = Json.object().field("x", 1).end();
        String json = Json.object().field("a", (String) null).field("n", 42)
                .field("t", Instant.ofEpochSecond(0)).array("list", List.of(inner, inner)).end();
        assertThat(json).isEqualTo("{\"a\":null,\"n\":42,\"t\":\"1970-01-01T00:00:00Z\",\"list\":[{\"x\":1},{\"x\":1}]}");
    }

    @Test
    void eventTypeNamesAreTheWebhookFilterDefault() {
        assertThat(org.mailferry.config.Key.WEBHOOK_EVENTS.defaultValue())
                .isEqualTo("[" + String.join(", ", EventType.NAMES.stream().map(n -> "\"" + n + "\"").toList()) + "]");
    }
}
