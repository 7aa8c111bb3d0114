package org.mailferry.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** Requests to a running relay's admin API, as an operator would make them. */
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

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.relay().adminAddress().getPort() + path));
    }

    private static HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        }
    }
}
