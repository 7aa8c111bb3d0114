package org.mailferry.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.mailferry.smtp.EnhancedStatus;
import org.mailferry.smtp.Reply;

/**
 * Client side of SMTP AUTH (RFC 4954): picks the first mechanism of the login's preference list
 * that the smarthost offers and we have credentials for, and runs PLAIN (RFC 4616), LOGIN,
 * CRAM-MD5 (RFC 2195), XOAUTH2 or OAUTHBEARER (RFC 7628). Nothing it sends is ever logged, and the
 * replies it returns or quotes are scrubbed of any echo of it ({@link AuthEchoes}).
 */
final class SmtpAuth {
    static final EnhancedStatus TEMP_AUTH = new EnhancedStatus(4, 7, 8);
    private static final Base64.Encoder B64 = Base64.getEncoder();

    /** One command line out, one reply back. */
    interface Channel {
        Reply exchange(String line) throws IOException;
    }

    private SmtpAuth() {
    }

    /** The mechanism to use, or null when none of ours is offered. */
    static String choose(Login login, List<String> offered) {
        for (String m : login.mechanisms()) {
            if (offered.contains(m) && login.canUse(m)) {
                return m;
            }
        }
        return null;
    }

    /** Authenticates or throws; returns the 235 reply. */
    static Reply authenticate(Channel plain, Login login, String mechanism, String host, int port, String relay)
            throws IOException, SecurityFailure {
        Reply r;
        String secret = null;
        try {
            secret = switch (mechanism) {
                case "XOAUTH2", "OAUTHBEARER" -> login.tokens().token().reveal();
                default -> login.password().get().reveal();
            };
        } catch (IOException e) {
            throw new SecurityFailure("cannot get the credentials for " + relay + ": " + e.getMessage(),
                    TEMP_AUTH, false, null);
        }
        String user = login.user();
        Channel ch = new AuthEchoes(secret).wrap(plain); // every reply below is free of what we sent
        switch (mechanism) {
            case "PLAIN" -> r = ch.exchange("AUTH PLAIN " + b64(login.authzId() + "\0" + user + "\0" + secret));
            case "LOGIN" -> {
                r = ch.exchange("AUTH LOGIN");
                if (r.code() == 334) {
                    r = ch.exchange(b64(user));
                }
                if (r.code() == 334) {
                    r = ch.exchange(b64(secret));
                }
            }
            case "CRAM-MD5" -> {
                r = ch.exchange("AUTH CRAM-MD5");
                if (r.code() == 334) {
                    r = ch.exchange(b64(user + " " + hmacMd5(secret, decode(r))));
                }
            }
            case "XOAUTH2" -> r = ch.exchange("AUTH XOAUTH2 " + b64("user=" + user + "\1auth=Bearer " + secret + "\1\1"));
            case "OAUTHBEARER" -> r = ch.exchange("AUTH OAUTHBEARER " + b64("n,a=" + saslName(user) + ",\1host=" + host
                    + "\1port=" + port + "\1auth=Bearer " + secret + "\1\1"));
            default -> throw new IllegalArgumentException(mechanism);
        }
        if (r.code() == 334) {
            // An OAuth error challenge (RFC 7628 3.2.3) or an unexpected one: end the exchange.
            r = ch.exchange(mechanism.equals("OAUTHBEARER") ? b64("\1") : mechanism.equals("XOAUTH2") ? "" : "*");
        }
        if (r.code() == 235) {
            return r;
        }
        String why = "AUTH " + mechanism + " as " + user + " to " + relay + " failed: " + r.oneLine()
                + "; check the credentials (" + login.origin() + ")";
        if (r.isTransientNegative()) {
            throw new SecurityFailure(why, r.status() != null ? r.status() : TEMP_AUTH, false, null);
        }
        throw new SecurityFailure(why, TEMP_AUTH, true, null);
    }

    /** The mechanisms in an EHLO AUTH line ("AUTH PLAIN LOGIN", or the old "AUTH=PLAIN LOGIN"). */
    static List<String> offered(List<String> ehloLines) {
        List<String> out = new ArrayList<>();
        for (String line : ehloLines) {
            String u = line.toUpperCase(Locale.ROOT);
            if (u.startsWith("AUTH ") || u.startsWith("AUTH=")) {
                for (String m : u.substring(5).strip().split("\\s+")) {
                    if (!m.isEmpty() && !out.contains(m)) {
                        out.add(m);
                    }
                }
            }
        }
        return out;
    }

    private static String decode(Reply r) throws IOException {
        try {
            return new String(Base64.getDecoder().decode(r.lines().get(0).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new java.net.ProtocolException("CRAM-MD5 challenge is not base64");
        }
    }

    private static String hmacMd5(String key, String challenge) {
        try {
            Mac mac = Mac.getInstance("HmacMD5");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacMD5"));
            return HexFormat.of().formatHex(mac.doFinal(challenge.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** RFC 5801 saslname: ',' and '=' escaped. */
    private static String saslName(String user) {
        return user.replace("=", "=3D").replace(",", "=2C");
    }

    private static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
