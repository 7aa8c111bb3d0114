package org.mailferry.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.assertj.core.api.Assertions;

class ReplyTest {

    private static Reply read(String wire) throws Exception {
        return ReplyReader.read(new SmtpInput(new ByteArrayInputStream(wire.getBytes(StandardCharsets.UTF_8))), true);
    }

    @Test
    void wireFormRoundTripsThroughTheReader() throws Exception {
        Reply r = new Reply(250, EnhancedStatus.OK, List.of("first", "second"));
        assertThat(new String(r.wire(), StandardCharsets.UTF_8)).isEqualTo("250-2.0.0 first\r\n250 2.0.0 second\r\n");
        assertThat(read(new String(r.wire(), StandardCharsets.UTF_8))).isEqualTo(r);
    }

    @Test
    void readsMultiLineEhloWithoutStatusCodes() throws Exception {
        Reply r = read("250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.lines()).containsExactly("mx.example", "PIPELINING", "SIZE 1000");
    }

    @Test
    void takesTheEnhancedStatusOnlyWhenItsClassMatches() throws Exception {
        assertThat(read("450 4.2.0 busy\r\n").status()).isEqualTo(new EnhancedStatus(4, 2, 0));
        assertThat(read("450 5.2.0 odd\r\n").status()).isNull();
        assertThat(read("550 5.1.1 <x@y>: unknown\r\n").oneLine()).isEqualTo("550 5.1.1 <x@y>: unknown");
    }

    @Test
    void refusesGarbageAndChangingCodes() {
        Assertions.assertThatThrownBy(() -> read("hello\r\n")).isInstanceOf(ProtocolException.class);
        Assertions.assertThatThrownBy(() -> read("250-a\r\n251 b\r\n")).isInstanceOf(ProtocolException.class);
        Assertions.assertThatThrownBy(() -> read("999 x\r\n")).isInstanceOf(ProtocolException.class);
    }
}
