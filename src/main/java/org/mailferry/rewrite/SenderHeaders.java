package org.mailferry.rewrite;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The header side of one message's rewriting ({@link HeaderStream}'s editor): From:, Sender:,
 * Reply-To: by the rules for header senders, To: and Cc: for header recipients; with a login to send
 * as, every From: address becomes it (the display name kept) and, unless the message has a
 * Reply-To:, one is added with the From: the application wrote (after the rules). It notes which
 * fields it changed and which fields the message's DKIM-Signature h= tags cover, so the caller
 * can warn that a signature breaks.
 */
public final class SenderHeaders implements HeaderStream.FieldEditor {
    private final AddressRules rules;
    private final String sendAs;
    private final Set<String> changed = new LinkedHashSet<>();
    private final Set<String> signed = new LinkedHashSet<>();
    private String originalFrom;
    private boolean hasReplyTo;

    /** {@code sendAs}: the login's address, or null to keep the From: addresses. */
    public SenderHeaders(AddressRules rules, String sendAs) {
        this.rules = rules;
        this.sendAs = sendAs;
    }

    @Override
    public byte[] edit(String name, byte[] raw) {
        String lower = name.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "dkim-signature" -> signed.addAll(signedFields(text(raw, name)));
            case "reply-to" -> hasReplyTo = true;
            default -> { }
        }
        Role role = switch (lower) {
            case "from", "sender", "reply-to" -> Role.HEADER_SENDER;
            case "to", "cc" -> Role.HEADER_RECIPIENT;
            default -> null;
        };
        if (role == null || (!rules.covers(role) && !(sendAs != null && lower.equals("from")))) {
            return raw;
        }
        String value = text(raw, name);
        String ruled = AddressHeader.map(name, value, a -> rules.rewrite(a, role));
        String out = ruled;
        if (sendAs != null && lower.equals("from")) {
            String afterRules = ruled == null ? value : ruled.substring(name.length() + 1);
            originalFrom = afterRules;
            out = AddressHeader.map(name, afterRules, login());
            if (out == null) {
                originalFrom = null; // From: is the login already: nothing to keep
                out = ruled;
            }
        }
        if (out == null) {
            return raw;
        }
        changed.add(name);
        return (out.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private UnaryOperator<String> login() {
        return a -> a.equalsIgnoreCase(sendAs) ? a : sendAs;
    }

    @Override
    public byte[] end() {
        if (originalFrom == null || hasReplyTo) {
            return new byte[0];
        }
        changed.add("Reply-To");
        String v = originalFrom.startsWith(" ") || originalFrom.startsWith("\t") ? originalFrom : " " + originalFrom;
        return ("Reply-To:" + v.replace("\n", "\r\n") + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The fields changed or added so far, as named in the message. */
    public List<String> changed() {
        return List.copyOf(changed);
    }

    /**
     * The changed or added fields a DKIM-Signature of the message covers (its h= tag): each breaks
     * that signature. An added field breaks it too when h= names it (oversigning).
     */
    public List<String> breaksSignature() {
        return changed.stream().filter(n -> signed.contains(n.toLowerCase(Locale.ROOT))).toList();
    }

    /** What follows the colon, continuation lines joined by "\n", without the last line end. */
    private static String text(byte[] raw, String name) {
        String t = new String(raw, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        if (t.endsWith("\n")) {
            t = t.substring(0, t.length() - 1);
        }
        return t.substring(name.length() + 1);
    }

    /** RFC 6376 3.5: the h= tag's field names, lower case; the tag list's folding ignored. */
    static List<String> signedFields(String value) {
        for (String tag : value.split(";")) {
            String t = tag.replaceAll("[ \t\r\n]", "");
            if (t.startsWith("h=")) {
                return Arrays.stream(t.substring(2).split(":")).filter(s -> !s.isEmpty())
                        .map(s -> s.toLowerCase(Locale.ROOT)).toList();
            }
        }
        return List.of();
    }
}
