package org.mailferry.imports;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** main.cf's $name expansion, as Postfix's mac_expand does it, and time values as sendmail and Postfix read them. */
class MainCfTest {
    private static final String CF = """
            mydomain = example.com
            myhostname = app1.$mydomain
            empty =
            list = a,
                b
            """;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "$mydomain                | example.com",
            "${mydomain}              | example.com",
            "$(mydomain)              | example.com",
            "mail.$myhostname         | mail.app1.example.com",
            "${mydomain?yes}          | yes",
            "${empty?yes}x            | x",
            "${empty:fallback}        | fallback",
            "${mydomain:fallback}     | ''",
            "${mydomain?{$myhostname}}| {app1.example.com}",
            "$$mydomain               | $mydomain",
            "$mail_name               | Postfix",
            "${data_directory}/x      | /var/lib/postfix/x",
            "$undefined_here.x        | .x",
            "cost $ 5                 | cost $ 5",
            "$list                    | a, b",
    })
    void expands(String value, String expected) throws Exception {
        assertThat(MainCf.read("main.cf", CF).expand(value, 0)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} (bare: {1}) -> {2}")
    @CsvSource(delimiter = '|', value = {
            "5d    | d | 5d",
            "5     | d | 5d",
            "4     | h | 4h",
            "1h30m | h | 90m",
            "3600s | s | 1h",
            "1w    | d | 7d",
            "90    | s | 90s",
            "0     | h | 0s",
    })
    void readsTimes(String text, char unit, String mailferry) {
        Long seconds = TimeValue.seconds(text, unit);
        assertThat(seconds).isNotNull();
        assertThat(TimeValue.text(java.util.Objects.requireNonNull(seconds))).isEqualTo(mailferry);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"5x", "'h'", "''", "1.5h", "99999999999999999999d"})
    void refusesWhatIsNotATime(String text) {
        assertThat(TimeValue.seconds(text, 'd')).isNull();
    }
}
