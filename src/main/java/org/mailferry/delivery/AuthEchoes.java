package org.mailferry.delivery;

import java.io.IOException;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mailferry.smtp.Reply;

/**
 * Removes from the smarthost's replies during AUTH anything that echoes what we sent: some servers
 * quote the AUTH line in their 535, and its base64 is the password. Every reply (and I/O error
 * text) of the exchange passes through here, so the log, the envelope, mailq, the admin API and the
 * webhooks only ever see the scrubbed text.
 *
 * <p>Scrubbed: each line sent and its base64 argument (whole, or any part of 8 characters or
 * more), that argument decoded (the user+password blob, control characters shown as {@code ?} as
 * {@link Reply} shows them), and the password or token itself.
 */
final class AuthEchoes {
    static final String MARK = "[scrubbed]";
    private static final int MIN_PART = 8;
    private static final Pattern BASE64_RUN = Pattern.compile("[A-Za-z0-9+/]{" + MIN_PART + ",}={0,2}");

    private final List<String> secrets = new ArrayList<>();
    private final List<String> sentBase64 = new ArrayList<>();

    AuthEchoes(String secret) {
        add(secret);
    }

    /** The channel that remembers each line sent and scrubs each reply. */
    SmtpAuth.Channel wrap(SmtpAuth.Channel ch) {
        return line -> {
            sent(line);
            try {
                return scrub(ch.exchange(line));
            } catch (ProtocolException e) {
                throw new ProtocolException(scrub(e.getMessage()));
            } catch (IOException e) {
                String text = e.getMessage();
                if (text == null || text.equals(scrub(text))) {
                    throw e;
                }
                throw new IOException(scrub(text));
            }
        };
    }

    private void sent(String line) {
        for (String word : line.split(" ")) {
            if (word.length() >= MIN_PART && BASE64_RUN.matcher(word).matches()) {
                add(line);
                sentBase64.add(word);
                try {
                    String decoded = new String(Base64.getDecoder().decode(word), StandardCharsets.UTF_8);
                    add(decoded);
                    add(decoded.replaceAll("[\\x00-\\x1f\\x7f]", "?"));
                } catch (IllegalArgumentException notBase64) {
                    // a word that only looks like base64: scrubbed as it is
                }
            }
        }
    }

    private void add(String s) {
        if (s != null && s.length() >= 4 && !secrets.contains(s)) {
            secrets.add(s);
            secrets.sort(Comparator.comparingInt(String::length).reversed());
        }
    }

    Reply scrub(Reply r) {
        List<String> lines = r.lines().stream().map(this::scrub).toList();
        return lines.equals(r.lines()) ? r : new Reply(r.code(), r.status(), lines);
    }

    String scrub(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MARK);
        }
        Matcher m = BASE64_RUN.matcher(out);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String run = m.group().replaceAll("=+$", "");
            boolean echoed = sentBase64.stream().anyMatch(sent -> sent.contains(run));
            m.appendReplacement(b, Matcher.quoteReplacement(echoed ? MARK : m.group()));
        }
        m.appendTail(b);
        return b.toString();
    }
}
