package org.mailferry.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;

/** One webhook POST, as every outbox sends it: its headers, its signature, its answer. */
final class WebhookPost {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    private static final Duration MAX_RETRY = Duration.ofMinutes(10);

    private WebhookPost() {
    }

    /** The wait before the next try after {@code attempts} failed ones: 5 s doubling, at most 10 min. */
    static Duration backoff(int attempts) {
        Duration d = FIRST_RETRY.multipliedBy(1L << Math.min(Math.max(attempts, 1) - 1, 10));
        return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
    }

    /** Posts once; returns null on a 2xx, else why not ("HTTP 503", the I/O error). */
    static String post(HttpClient http, URI url, String event, String id, String body, byte[] secret, Clock clock) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Mailferry-Event", event)
                .header(Webhooks.EVENT_ID, id)
                .header("Mailferry-Delivery", id) // its earlier name, for receivers written before
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (secret != null) {
            request.header(WebhookSignature.HEADER, WebhookSignature.header(secret, clock.instant().getEpochSecond(), body));
        }
        try {
            HttpResponse<Void> r = http.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() / 100 == 2 ? null : "HTTP " + r.statusCode();
        } catch (IOException e) {
            return e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Stops a sender thread (interrupted, waited for up to 5 s) and its client; either may be null. */
    static void stop(Thread sender, HttpClient http) {
        if (sender != null) {
            sender.interrupt();
            try {
                sender.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.shutdownNow();
        }
    }
}
