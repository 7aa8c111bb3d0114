package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathArgumentTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "FROM:<app@example.com>|app@example.com",
            "from: <app@example.com>|app@example.com",
            "FROM:<>|''",
            "FROM:<@relay.example,@b.example:user@example.com>|user@example.com",
            "FROM:<\"john smith\"@example.com>|\"john smith\"@example.com",
            "FROM:<user@[192.0.2.1]>|user@[192.0.2.1]",
            "FROM:<us\u00e9r@exampl\u00e9.com>|us\u00e9r@exampl\u00e9.com",
    })
    void acceptsValidPaths(String arg, String address) throws Exception {
        assertThat(PathArgument.parse(arg, "FROM").address().value()).isEqualTo(address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FROM:app@example.com", "FROM:<app@example.com", "TO:<a@b>", "FROM:<a b@c>",
            "FROM:<a@>", "FROM:<@b>", "FROM:<a..b@c>", "FROM:<a@-b.com>", "FROM:<a@b..c>", "FROM:<a@b>X=1",
            "FROM:<a@b> SIZE=1 SIZE=2", "FROM:<a@b> =1"})
    void refusesInvalidPaths(String arg) {
        assertThatThrownBy(() -> PathArgument.parse(arg, "FROM")).isInstanceOf(PathArgument.SyntaxException.class);
    }

    @Test
    void splitsParametersWithUpperCaseKeywords() throws Exception {
        PathArgument p = PathArgument.parse("FROM:<a@b.c> size=100 BODY=8BITMIME  SMTPUTF8", "FROM");
        assertThat(p.parameters()).isEqualTo(Map.of("SIZE", "100", "BODY", "8BITMIME", "SMTPUTF8", ""));
    }
}
