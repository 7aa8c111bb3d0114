package org.mailferry.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** sendmail authinfo and Postfix sasl_passwd text files, with the odd lines real files have. */
class AuthinfoFileTest {

    static final String REAL = String.join("\r\n",
            "# /etc/mail/authinfo, CRLF line ends (edited on Windows)",
            "",
            "   # an indented comment",
            "AuthInfo:smtp.gmail.com:587 \"U:app@example.com\" \"P:pass word\" \"M:LOGIN PLAIN\"",
            "AuthInfo:smtp.gmail.com\t\"U:other\"  \"P:x\"   ",
            "authinfo:[10.0.0.5]:25 U:bare P=c2VjcmV0 R:example.net",
            "AuthInfo:relay.example \"I:authc\" \"U:authz\" \"P:q\\\"uote\\\\d\" \"m:cram-md5\"",
            "AuthInfo: \"U:fallback\" \"P:fb\"",
            "");

    @Test
    void readsEveryFormSendmailAccepts() throws ConfigException {
        List<AuthinfoEntry> e = AuthinfoFile.parse("authinfo", REAL);
        assertThat(e).hasSize(5);
        assertThat(e.get(0)).extracting(AuthinfoEntry::host, AuthinfoEntry::port, AuthinfoEntry::user,
                AuthinfoEntry::mechanisms, AuthinfoEntry::source)
                .containsExactly("smtp.gmail.com", 587, "app@example.com", List.of("LOGIN", "PLAIN"), "authinfo:4");
        assertThat(e.get(0).password().reveal()).isEqualTo("pass word");
        assertThat(e.get(1).port()).isZero();
        assertThat(e.get(2)).extracting(AuthinfoEntry::host, AuthinfoEntry::port, AuthinfoEntry::user,
                AuthinfoEntry::realm).containsExactly("10.0.0.5", 25, "bare", "example.net");
        assertThat(e.get(2).password().reveal()).isEqualTo("secret");
        assertThat(e.get(3)).extracting(AuthinfoEntry::user, AuthinfoEntry::authzId, AuthinfoEntry::mechanisms)
                .containsExactly("authc", "authz", List.of("CRAM-MD5"));
        assertThat(e.get(3).password().reveal()).isEqualTo("q\"uote\\d");
        assertThat(e.get(4).host()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "smtp.gmail.com|587|app@example.com",
            "SMTP.Gmail.COM|587|app@example.com",
            "smtp.gmail.com|465|other",
            "10.0.0.5|25|bare",
            "10.0.0.5|587|fallback",
            "unknown.example|25|fallback"})
    void hostAndPortMatchBeforeHostBeforeTheDefault(String host, int port, String user) throws ConfigException {
        List<AuthinfoEntry> e = AuthinfoFile.parse("authinfo", REAL);
        AuthinfoEntry m = AuthinfoEntry.match(e, host, port);
        assertThat(m != null ? m : AuthinfoEntry.fallback(e)).extracting(AuthinfoEntry::user).isEqualTo(user);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "smtp.example.com \"U:u\" \"P:p\"|an authinfo line starts with AuthInfo:host[:port]",
            "AuthInfo:h:99999 \"U:u\" \"P:p\"|must be a number from 1 to 65535",
            "AuthInfo:h \"U:u\" \"P:p|a quote is not closed",
            "AuthInfo:h \"U:u\" \"X:p\"|unknown field 'X:'",
            "AuthInfo:h \"P:topsecret\"|no user",
            "AuthInfo:h \"U:u\"|no password",
            "AuthInfo:h \"U:u\" \"P=not base64!\"|not valid base64"})
    void mistakesNameTheLineButNeverRepeatIt(String line, String message) {
        assertThatThrownBy(() -> AuthinfoFile.parse("/etc/mail/authinfo", "# first\n" + line + "\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("/etc/mail/authinfo:2: ")
                .hasMessageContaining(message).message().doesNotContain("topsecret");
    }

    @Test
    void postfixSaslPasswd() throws ConfigException {
        List<AuthinfoEntry> e = SaslPasswdFile.parse("sasl_passwd", String.join("\n",
                "# Postfix",
                "[smtp.sendgrid.net]:587    apikey:SG.abc:def==",
                "  relay.example.net user@example.net:pw  ",
                "sender@example.com user2:pw2",
                "[::1]:25 local:pw3"));
        assertThat(e).extracting(AuthinfoEntry::host, AuthinfoEntry::port, AuthinfoEntry::user)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("smtp.sendgrid.net", 587, "apikey"),
                        org.assertj.core.groups.Tuple.tuple("relay.example.net", 0, "user@example.net"),
                        // a sender key: used only with relay.sender_dependent_authentication (never matches a host)
                        org.assertj.core.groups.Tuple.tuple("sender@example.com", 0, "user2"),
                        org.assertj.core.groups.Tuple.tuple("::1", 25, "local"));
        assertThat(e.get(0).password().reveal()).isEqualTo("SG.abc:def==");
        assertThat(e.get(0).toString()).doesNotContain("SG.abc");
        assertThatThrownBy(() -> SaslPasswdFile.parse("sp", "[h]:25 nopassword\n"))
                .hasMessage("sp:1: a sasl_passwd line is '[host]:port user:password'");
    }

    @ParameterizedTest
    @CsvSource({"auto,465,false,tls", "auto,587,false,starttls", "auto,25,false,starttls", "auto,2525,true,none",
            "starttls,2525,true,starttls", "none,587,false,none", "tls,25,false,tls"})
    void tlsModeDefaultsByPort(String configured, int port, boolean loopback, String used) {
        assertThat(TlsMode.parse(configured).resolve(port, loopback)).hasToString(used);
    }
}
