package org.mailferry.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.mailferry.admin.AdminToken;

/** Requests to a running relay's admin API, as an operator would make them (with the token). */
public final class AdminClient {
    private final RelayFixture relay;

    public AdminClient(RelayFixture relay) {
        this.relay = relay;
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    public HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** With the daemon's token (SPOOL/admin.token), as the queue command sends it. */
    private HttpRequest.Builder request(String path) throws IOException {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.relay().adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + AdminToken.read(relay.spool));
    }

    private static HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        }
    }
}
