package org.mailferry.delivery;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailferry.config.RelaySecurity;
import org.mailferry.config.Secret;
import org.mailferry.config.SecretCommand;

/**
 * OAuth2 access tokens for XOAUTH2/OAUTHBEARER: from {@code relay.oauth2_token_command} (run each
 * time), or from the refresh-token grant (RFC 6749 6) at the token endpoint, cached in memory and
 * refreshed a minute before it expires. Thread-safe.
 */
public final class OAuth2Tokens {
    static final Duration MARGIN = Duration.ofSeconds(60);
    private static final Duration DEFAULT_LIFETIME = Duration.ofHours(1);
    private static final Pattern ACCESS_TOKEN = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern EXPIRES_IN = Pattern.compile("\"expires_in\"\\s*:\\s*\"?(\\d+)");
    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*\"([A-Za-z0-9_ .-]{1,80})\"");

    private final RelaySecurity.OAuth2 config;
    private final Clock clock;
    private final HttpClient http;
    private Secret cached;
    private Instant refreshAt = Instant.MIN;
    private int refreshes;

    public OAuth2Tokens(RelaySecurity.OAuth2 config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    }

    /** A valid access token, fetched or refreshed when needed. */
    public synchronized Secret token() throws IOException {
        if (!config.tokenCommand().isEmpty()) {
            return SecretCommand.firstLine(config.tokenCommand(), "relay.oauth2_token_command");
        }
        if (cached != null && clock.instant().isBefore(refreshAt)) {
            return cached;
        }
        String form = "grant_type=refresh_token&client_id=" + enc(config.clientId())
                + (config.clientSecret().isEmpty() ? "" : "&client_secret=" + enc(config.clientSecret().reveal()))
                + "&refresh_token=" + enc(config.refreshToken().reveal());
        HttpRequest req = HttpRequest.newBuilder(config.tokenEndpoint()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        HttpResponse<String> resp;
        try {
            resp = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("OAuth2 token refresh interrupted");
        }
        Matcher token = ACCESS_TOKEN.matcher(resp.body());
        if (resp.statusCode() != 200 || !token.find()) {
            Matcher err = ERROR.matcher(resp.body());
            throw new IOException("OAuth2 token refresh at " + config.tokenEndpoint() + " failed: HTTP "
                    + resp.statusCode() + (err.find() ? " error=" + err.group(1) : " (no access_token)"));
        }
        Matcher exp = EXPIRES_IN.matcher(resp.body());
        Duration lifetime = exp.find() ? Duration.ofSeconds(Long.parseLong(exp.group(1))) : DEFAULT_LIFETIME;
        cached = new Secret(token.group(1));
        refreshAt = clock.instant().plus(lifetime).minus(MARGIN);
        refreshes++;
        return cached;
    }

    /** How many times the token endpoint gave a token (for tests and metrics). */
    synchronized int refreshes() {
        return refreshes;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
