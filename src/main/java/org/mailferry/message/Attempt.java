package org.mailferry.message;

import java.time.Instant;

/** One line of a message's history: when, which recipient (or "*" for all), what happened. */
public record Attempt(Instant time, String recipient, String outcome) {
    public Attempt {
        recipient = recipient == null || recipient.isEmpty() ? "*" : recipient;
        outcome = outcome == null ? "" : outcome;
    }
}
