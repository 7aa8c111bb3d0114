package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DsnParametersTest {

    @ParameterizedTest
    @CsvSource({
            "NEVER, NEVER",
            "never, NEVER",
            "SUCCESS, SUCCESS",
            "'DELAY,FAILURE', 'FAILURE,DELAY'",
            "'failure,success,delay', 'SUCCESS,FAILURE,DELAY'",
    })
    void notifyIsNormalised(String given, String stored) throws Exception {
        assertThat(DsnParameters.notify(given)).isEqualTo(stored);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "NEVER,SUCCESS", "ALWAYS", "SUCCESS,", "SUCCESS;FAILURE"})
    void badNotifyIsRefused(String given) {
        assertThatThrownBy(() -> DsnParameters.notify(given)).isInstanceOf(DsnParameters.SyntaxException.class);
    }

    @ParameterizedTest
    @CsvSource({
            "'', SUCCESS, false", "'', FAILURE, true", "'', DELAY, true",
            "NEVER, FAILURE, false", "NEVER, DELAY, false",
            "SUCCESS, SUCCESS, true", "SUCCESS, FAILURE, false",
            "'SUCCESS,FAILURE', DELAY, false", "'SUCCESS,FAILURE,DELAY', FAILURE, true",
            "'FAILURE,DELAY', DELAY, true",
    })
    void wants(String notify, String kind, boolean wanted) {
        assertThat(DsnParameters.wants(notify, kind)).isEqualTo(wanted);
    }

    @ParameterizedTest
    @CsvSource({
            "rfc822;bob@example.net, rfc822;bob@example.net",
            "rfc822;bob+2Bx@example.net, rfc822;bob+x@example.net",
            "RFC822;a+3Db@example.net, RFC822;a=b@example.net",
            "x-local;joe+20bloggs, x-local;joe bloggs",
    })
    void orcptIsDecodedAndEncodedBack(String given, String stored) throws Exception {
        assertThat(DsnParameters.orcpt(given)).isEqualTo(stored);
        assertThat(DsnParameters.orcpt(DsnParameters.orcptParameter(stored))).isEqualTo(stored);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bob@example.net", ";bob@example.net", "rfc822;", "rfc822;a+2", "rfc822;a+ZZb",
            "rfc822;a=b", "rfc 822;bob@example.net"})
    void badOrcptIsRefused(String given) {
        assertThatThrownBy(() -> DsnParameters.orcpt(given)).isInstanceOf(DsnParameters.SyntaxException.class);
    }

    @Test
    void retAndEnvId() throws Exception {
        assertThat(DsnParameters.ret("hdrs")).isEqualTo("HDRS");
        assertThat(DsnParameters.ret("FULL")).isEqualTo("FULL");
        assertThatThrownBy(() -> DsnParameters.ret("BODY")).isInstanceOf(DsnParameters.SyntaxException.class);
        assertThat(DsnParameters.envId("order+2D42+2B7")).isEqualTo("order-42+7");
        assertThatThrownBy(() -> DsnParameters.envId("x".repeat(101)))
                .isInstanceOf(DsnParameters.SyntaxException.class);
        assertThat(DsnParameters.encodeXtext("a b+c=d\u00e9")).isEqualTo("a+20b+2Bc+3Dd+C3+A9");
    }
}
