package org.mailferry.rewrite;

import java.util.Locale;

/**
 * Where an address stands, for the rewriting classes (Postfix's masquerade_classes words):
 * rewrite.masquerade_classes and rewrite.generic_classes list the roles each rule applies to.
 */
public enum Role {
    /** MAIL FROM. */
    ENVELOPE_SENDER,
    /** From:, Sender:, Reply-To:. */
    HEADER_SENDER,
    /** To:, Cc: (for local recipients such as root). */
    HEADER_RECIPIENT;

    /** The config word: "envelope_sender", "header_sender", "header_recipient". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named {@code word}, or null. */
    public static Role of(String word) {
        for (Role r : values()) {
            if (r.word().equals(word)) {
                return r;
            }
        }
        return null;
    }
}
