package org.mailferry.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SMART_HOST in every form sendmail's docs give, and the port its mailer's arguments may add. */
class SmartHostTest {
    private static final Directive AT = new Directive("sendmail.mc", 1, "define(`SMART_HOST', ...)");

    @ParameterizedTest(name = "{0} (mailer args port {1}) -> {2} {3}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "smtp.example.com                        | -   | relay | smtp.example.com",
            "[smtp.example.com]                      | -   | relay | [smtp.example.com]",
            "relay:smtp.example.com                  | -   | relay | smtp.example.com",
            "relay:[smtp.example.com]                | -   | relay | [smtp.example.com]",
            "esmtp:[smtp.example.com]                | -   | esmtp | [smtp.example.com]",
            "smtp:[smtp.example.com]:587             | -   | smtp  | [smtp.example.com]:587",
            "smtp8:[smtp.example.com]:587            | -   | smtp8 | [smtp.example.com]:587",
            "dsmtp:smtp.example.com                  | -   | dsmtp | smtp.example.com",
            "[smtp.example.com]:587                  | -   | relay | [smtp.example.com]:587",
            "smtp.example.com:587                    | -   | relay | smtp.example.com:587",
            "mailhub:2525                            | -   | relay | mailhub:2525",
            "[192.0.2.1]                             | -   | relay | [192.0.2.1]",
            "[IPv6:2001:db8::1]:587                  | -   | relay | [IPv6:2001:db8::1]:587",
            "RELAY:[smtp.example.com]                | -   | relay | [smtp.example.com]",
            "[smtp.example.com]                      | 587 | relay | [smtp.example.com]:587",
            "[smtp.example.com]:465                  | 587 | relay | [smtp.example.com]:465",
            "esmtp:[a.example.net]:[b.example.net]   | -   | esmtp | [a.example.net],[b.example.net]",
            "esmtp:[a.example.net]:587:b.example.net | 2525 | esmtp | [a.example.net]:587,b.example.net:2525",
    })
    void readsEachForm(String value, Integer port, String mailer, String specs) throws Exception {
        SmartHost h = SmartHost.parse(AT, value, port);
        assertThat(h.mailer()).isEqualTo(mailer);
        assertThat(h.specs()).isEqualTo(List.of(specs.split(",")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "uucp-dom:smtp.example.com | the mailer 'uucp-dom:' is not one Mailferry speaks",
            "[smtp.example.com:587     | a '[' is not closed",
            "587                       | a port (587) must follow a host",
            "esmtp:                    | SMART_HOST is empty",
            "[smtp.example.com]:99999  | port 99999 is out of range",
            "smtp.exa mple.com         | is not a host name or address",
    })
    void refusesWhatIsNotASmartHost(String value, String message) {
        assertThatThrownBy(() -> SmartHost.parse(AT, value, null)).isInstanceOf(ImportException.class)
                .hasMessageStartingWith("sendmail.mc:1: ").hasMessageContaining(message);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "TCP $h 587            | 587",
            "TCP $h                | -",
            "TCP $h $p -oem -a     | -",
            "IPC $h 2525 -a        | 2525",
            "TCP $h 0              | -",
    })
    void findsThePortInMailerArguments(String args, Integer port) {
        assertThat(SmartHost.port(args)).isEqualTo(port);
    }
}
