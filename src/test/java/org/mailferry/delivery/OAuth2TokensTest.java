package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mailferry.config.RelaySecurity;
import org.mailferry.config.Secret;

/** The refresh-token flow against a small token endpoint; time moves by an injected clock. */
class OAuth2TokensTest {
    HttpServer http;
    final AtomicInteger calls = new AtomicInteger();
    volatile int status = 200;
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    final Clock clock = new Clock() {
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        public Instant instant() {
            return now;
        }
    };

    @BeforeEach
    void start() throws Exception {
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/token", ex -> {
            int n = calls.incrementAndGet();
            byte[] body = (status == 200 ? "{\"access_token\": \"tok-" + n + "\", \"expires_in\": 3600}"
                    : "{\"error\": \"invalid_grant\", \"error_description\": \"refresh-Secret-1 is bad\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop(0);
    }

    private OAuth2Tokens tokens() {
        return new OAuth2Tokens(new RelaySecurity.OAuth2(List.of(), "id", new Secret("cs"),
                new Secret("refresh-Secret-1"), URI.create("http://127.0.0.1:" + http.getAddress().getPort()
                + "/token")), clock);
    }

    @Test
    void cachedUntilAMinuteBeforeExpiryThenRefreshed() throws Exception {
        OAuth2Tokens t = tokens();
        assertThat(t.token().reveal()).isEqualTo("tok-1");
        now = now.plus(Duration.ofSeconds(3600).minus(OAuth2Tokens.MARGIN).minusSeconds(1));
        assertThat(t.token().reveal()).isEqualTo("tok-1");
        now = now.plusSeconds(1);
        assertThat(t.token().reveal()).isEqualTo("tok-2");
        assertThat(t.refreshes()).isEqualTo(2);
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void aRefusedRefreshSaysWhyWithoutTheSecret() {
        status = 400;
        assertThatThrownBy(() -> tokens().token()).hasMessageContaining("HTTP 400 error=invalid_grant")
                .message().doesNotContain("refresh-Secret-1");
    }
}
