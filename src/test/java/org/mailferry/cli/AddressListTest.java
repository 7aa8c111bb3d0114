package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressListTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a@example.com|a@example.com",
            "<a@example.com>|a@example.com",
            "Jane Doe <jane@example.com>, bob@example.com|jane@example.com&bob@example.com",
            "\"Doe, John\" <john@example.com>|john@example.com",
            "bob@example.com (Bob, the builder)|bob@example.com",
            "team: a@x.org, b@y.org;, c@z.org|a@x.org&b@y.org&c@z.org",
            "undisclosed-recipients:;|''",
            "<@relay.example:user@example.com>|user@example.com",
            "\"odd local\"@example.com|\"odd local\"@example.com",
            "root|root",
            "a@x,,b@y|a@x&b@y"})
    void extractsAddresses(String list, String expected) {
        List<String> want = expected.isEmpty() ? List.of() : Arrays.asList(expected.split("&"));
        assertThat(AddressList.parse(list)).isEqualTo(want);
    }
}
