package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** rewrite.generic_map: the lookup order, and a precise file:line error for each bad line. */
class GenericMapTest {
    static final String MAP = String.join("\r\n",
            "# generic map, CRLF line ends",
            "",
            "root@host.internal     alerts@example.com",
            "Www-Data               web@example.com",
            "@host.internal         @example.com",
            "@old.example           catch@example.com   ",
            "   # an indented comment",
            "*                      relay@example.com",
            "");

    @ParameterizedTest(name = "{0} (local {1}) -> {2}")
    @CsvSource(delimiter = '|', nullValues = "null", value = {
            "root@host.internal|false|alerts@example.com",
            "ROOT@Host.Internal|false|alerts@example.com",
            "www-data|false|web@example.com",
            "www-data@localhost|true|web@example.com",
            "www-data@elsewhere.example|false|relay@example.com",
            "Cron@host.internal|false|Cron@example.com",
            "anyone@old.example|false|catch@example.com",
            "someone@other.example|false|relay@example.com",
            "|false|null"})
    void exactThenLocalNameThenDomainThenCatchAll(String address, boolean local, String expected)
            throws ConfigException {
        GenericMap m = GenericMap.parse("generic", MAP);
        assertThat(m.lookup(address == null ? "" : address, local)).isEqualTo(expected);
        assertThat(m.size()).isEqualTo(5);
    }

    @Test
    void withoutCatchAllAnUnlistedAddressIsNotMapped() throws ConfigException {
        GenericMap m = GenericMap.parse("generic", "root alerts@example.com\n");
        assertThat(m.lookup("someone@example.org", false)).isNull();
        assertThat(m.lookup("root@example.org", false)).as("a local-name pattern needs a local domain").isNull();
        assertThat(m.lookup("root", false)).isEqualTo("alerts@example.com");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "root|/etc/mailferry/generic:1: expected 'pattern replacement', two words, not 1",
            "root a@b.example c|/etc/mailferry/generic:1: expected 'pattern replacement', two words, not 3",
            "root@ a@b.example|/etc/mailferry/generic:1: pattern 'root@' ends in '@'",
            "a@b@c x@example.com|/etc/mailferry/generic:1: pattern 'a@b@c' has more than one '@'",
            "root alerts|/etc/mailferry/generic:1: replacement 'alerts' must be an address",
            "root alerts@|/etc/mailferry/generic:1: replacement 'alerts@' must be an address",
            "root <a@example.com>|/etc/mailferry/generic:1: replacement '<a@example.com>' has a character",
            "rööt a@example.com|/etc/mailferry/generic:1: pattern 'r??t' has a character an address cannot carry here (U+00F6)",
            "' root a@example.com'|/etc/mailferry/generic:1: a line may not start with a space"})
    void aBadLineNamesFileLineAndFix(String line, String message) {
        assertThatThrownBy(() -> GenericMap.parse("/etc/mailferry/generic", line))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }

    @Test
    void aPatternGivenTwiceNamesBothLines() {
        assertThatThrownBy(() -> GenericMap.parse("g", "# x\nroot a@example.com\nROOT b@example.com\n"))
                .hasMessage("g:3: 'ROOT' is already mapped on line 2; keep one of the two lines");
    }
}
