package org.mailferry.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.GenericMap;

/** Masquerading (Postfix's masquerade_domains rules, sendmail's MASQUERADE_AS) then the generic map, by role. */
class AddressRulesTest {

    private static AddressRules rules(String masqueradeAs, List<String> domains, String map, List<String> mClasses,
                                      List<String> gClasses) throws ConfigException {
        return new AddressRules(new Config.Rewrite(masqueradeAs, List.of("localhost", "localhost.localdomain",
                "host.internal"), domains, List.of("postmaster"), mClasses, GenericMap.parse("g", map), gClasses,
                List.of()));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            // unqualified and local senders get the masquerade domain
            "root|root@example.com",
            "root@localhost|root@example.com",
            "www-data@Host.Internal|www-data@example.com",
            // masquerade_domains: the first listed parent wins; equal or excluded leaves it alone
            "cron@web1.eng.example.com|cron@eng.example.com",
            "cron@eng.example.com|cron@eng.example.com",
            "cron@db.sales.example.com|cron@db.sales.example.com",
            "cron@a.example.com|cron@example.com",
            "cron@notexample.com|cron@notexample.com",
            // exceptions (masquerade_exceptions) keep their domain
            "postmaster@web1.eng.example.com|postmaster@web1.eng.example.com",
            // the null sender is never rewritten
            "|"})
    void masquerading(String in, String out) throws ConfigException {
        AddressRules r = rules("example.com", List.of("eng.example.com", "!sales.example.com", "example.com"), "",
                List.of("envelope_sender", "header_sender"), List.of());
        assertThat(r.rewrite(in == null ? "" : in, Role.ENVELOPE_SENDER)).isEqualTo(out == null ? "" : out);
        assertThat(r.rewrite(in == null ? "" : in, Role.HEADER_RECIPIENT)).as("not in the classes")
                .isEqualTo(in == null ? "" : in);
    }

    @ParameterizedTest(name = "{0} as {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            // masquerading first, then the map sees the masqueraded address (Postfix's order)
            "root@localhost|ENVELOPE_SENDER|alerts@example.com",
            "root|HEADER_SENDER|alerts@example.com",
            "www-data@host.internal|ENVELOPE_SENDER|web@example.com",
            "app@example.com|ENVELOPE_SENDER|app@example.com",
            "x@other.example|ENVELOPE_SENDER|x@mapped.example",
            // To:/Cc: only when header_recipient is in the class lists: here the map alone covers it
            "root@localhost|HEADER_RECIPIENT|root@localhost",
            "root|HEADER_RECIPIENT|root",
            "www-data|HEADER_RECIPIENT|web@example.com"})
    void genericMapAfterMasquerading(String in, Role role, String out) throws ConfigException {
        AddressRules r = rules("example.com", List.of(),
                "root@example.com alerts@example.com\nwww-data web@example.com\n@other.example @mapped.example\n",
                List.of("envelope_sender", "header_sender"),
                List.of("envelope_sender", "header_sender", "header_recipient"));
        assertThat(r.rewrite(in, role)).isEqualTo(out);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "|false",
            "example.com|true"})
    void identityWhenNothingIsConfigured(String masqueradeAs, boolean covers) throws ConfigException {
        AddressRules r = rules(masqueradeAs == null ? "" : masqueradeAs, List.of(), "",
                List.of("envelope_sender"), List.of("envelope_sender"));
        assertThat(r.isIdentity()).isEqualTo(!covers);
        assertThat(r.covers(Role.ENVELOPE_SENDER)).isEqualTo(covers);
        assertThat(r.covers(Role.HEADER_SENDER)).isFalse();
    }
}
