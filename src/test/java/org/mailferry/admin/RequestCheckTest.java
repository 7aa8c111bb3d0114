package org.mailferry.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin API's Host, Origin and token checks, as a table. */
class RequestCheckTest {
    private static final String TOKEN = "t0ken-of-this-start";

    private static String outcome(RequestCheck check, String method, String path, String... headers) {
        Headers h = new Headers();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1]);
        }
        RequestCheck.Refusal r = check.check(method, path, h);
        return r == null ? "ok" : Integer.toString(r.code());
    }

    @Test
    void hostOriginAndTokenDecideInThatOrder() {
        RequestCheck loopback = new RequestCheck(() -> TOKEN, RequestCheck.namesOf(new InetSocketAddress("127.0.0.1", 2526),
                "127.0.0.1", List.of("relay.example.com", "MX1.Example.com.")), 2526);
        String bearer = "Bearer " + TOKEN;
        String[][] table = {
                // method, path, Host, Origin ("" none), Authorization ("" none), expected
                {"GET", "/health", "127.0.0.1:2526", "", "", "ok"},
                {"GET", "/metrics", "localhost:2526", "", "", "ok"},
                {"GET", "/metrics", "LOCALHOST", "", "", "ok"},
                {"GET", "/queue", "127.0.0.1:2526", "", "", "401"},
                {"GET", "/queue", "127.0.0.1:2526", "", "Bearer wrong", "401"},
                {"GET", "/queue", "127.0.0.1:2526", "", "Basic " + TOKEN, "401"},
                {"GET", "/queue", "127.0.0.1:2526", "", bearer, "ok"},
                {"GET", "/queue", "127.0.0.1:2526", "", "bearer " + TOKEN, "ok"},
                {"POST", "/health", "127.0.0.1:2526", "", "", "401"},
                {"POST", "/messages/0000000000AA/delete", "relay.example.com:2526", "", bearer, "ok"},
                {"GET", "/queue", "mx1.example.com", "", bearer, "ok"},
                {"GET", "/queue", "127.0.0.1:2527", "", bearer, "421"},
                {"GET", "/health", "rebind.attacker.example:2526", "", "", "421"},
                {"GET", "/queue", "rebind.attacker.example", "", bearer, "421"},
                {"GET", "/queue", "127.0.0.1.attacker.example:2526", "", bearer, "421"},
                {"GET", "/queue", "[::1]:2526", "", bearer, "421"},
                {"GET", "/queue", "127.0.0.1:2526", "http://rebind.attacker.example:2526", bearer, "403"},
                {"GET", "/queue", "127.0.0.1:2526", "null", bearer, "403"},
                {"GET", "/health", "127.0.0.1:2526", "https://127.0.0.1:2526", "", "403"},
                {"GET", "/queue", "127.0.0.1:2526", "http://127.0.0.1:2526", bearer, "ok"},
        };
        for (String[] row : table) {
            java.util.List<String> headers = new java.util.ArrayList<>(List.of("Host", row[2]));
            if (!row[3].isEmpty()) {
                headers.addAll(List.of("Origin", row[3]));
            }
            if (!row[4].isEmpty()) {
                headers.addAll(List.of("Authorization", row[4]));
            }
            assertThat(outcome(loopback, row[0], row[1], headers.toArray(String[]::new)))
                    .as(String.join(" | ", row)).isEqualTo(row[5]);
        }
        assertThat(outcome(loopback, "GET", "/health")).as("no Host at all").isEqualTo("421");
    }

    @Test
    void anIpv6ListenerKnowsItsAddressInAnySpelling() {
        RequestCheck v6 = new RequestCheck(() -> TOKEN, RequestCheck.namesOf(new InetSocketAddress("::1", 2526), "[::1]",
                List.of()), 2526);
        assertThat(outcome(v6, "GET", "/health", "Host", "[::1]:2526")).isEqualTo("ok");
        assertThat(outcome(v6, "GET", "/health", "Host", "[0:0:0:0:0:0:0:1]:2526")).isEqualTo("ok");
        assertThat(outcome(v6, "GET", "/health", "Host", "[::2]:2526")).isEqualTo("421");
        assertThat(outcome(v6, "GET", "/health", "Host", "[::1]x")).isEqualTo("421");
    }
}
