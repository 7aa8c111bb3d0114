package org.mailferry.admin;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's logins: a person types the admin token (SPOOL/admin.token) into the login form;
 * the daemon answers with a random session id in an {@code HttpOnly; SameSite=Strict} cookie and keeps,
 * beside it, a random CSRF token the page must echo in {@code X-CSRF-Token} on every action. In memory
 * only: a restart, or a reload that reads a new admin token, ends every session. A session ends
 * {@link #IDLE} after its last use, and at most {@link #MAX} live at once (the oldest goes).
 */
final class ConsoleSessions {
    static final String COOKIE = "mailferry_console";
    static final Duration IDLE = Duration.ofHours(8);
    static final int MAX = 64;

    /** A login: its CSRF token and when it was last used. */
    record Session(String id, String csrf, Instant lastUsed) {
    }

    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final Clock clock;

    ConsoleSessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session for a person who presented the right token. */
    synchronized Session open() {
        if (sessions.size() >= MAX) {
            sessions.values().stream().min(java.util.Comparator.comparing(Session::lastUsed))
                    .ifPresent(s -> sessions.remove(s.id()));
        }
        Session s = new Session(randomText(), randomText(), clock.instant());
        sessions.put(s.id(), s);
        return s;
    }

    /** The live session named by the request's Cookie header, or null (none, unknown, idle too long). */
    Session find(String cookieHeader) {
        String id = cookie(cookieHeader);
        if (id == null) {
            return null;
        }
        Session s = sessions.get(id);
        if (s == null) {
            return null;
        }
        Instant now = clock.instant();
        if (s.lastUsed().plus(IDLE).isBefore(now)) {
            sessions.remove(id);
            return null;
        }
        Session used = new Session(s.id(), s.csrf(), now);
        sessions.put(id, used);
        return used;
    }

    void close(Session s) {
        sessions.remove(s.id());
    }

    /** Ends every session (the admin token they logged in with was replaced). */
    void closeAll() {
        sessions.clear();
    }

    /** Whether {@code presented} is this session's CSRF token (constant time). */
    static boolean csrfMatches(Session s, String presented) {
        return presented != null && MessageDigest.isEqual(s.csrf().getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                presented.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** The Set-Cookie value for a session; {@code secure} when the listener speaks TLS. */
    static String setCookie(Session s, boolean secure) {
        return COOKIE + "=" + s.id() + "; Path=/console; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }

    /** The Set-Cookie value that removes the cookie (logout). */
    static String clearCookie(boolean secure) {
        return COOKIE + "=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
    }

    /** This console's cookie's value in a Cookie header ("a=1; b=2"), or null. */
    static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(COOKIE + "=")) {
                String v = p.substring(COOKIE.length() + 1);
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    private String randomText() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
