package org.mailferry.imports;

/** What became of one directive; the report prints one per directive read, in file order. */
public sealed interface Outcome {
    Directive directive();

    /** It became a Mailferry key (a later directive may set the same key again; the last wins). */
    record Translated(Directive directive, String key, String value, String note) implements Outcome {
    }

    /** Mailferry has no equivalent, or does it another way: the reason and what to do instead. */
    record NotTranslated(Directive directive, String reason, String instead) implements Outcome {
    }

    /**
     * Mailferry will have an equivalent (issue 15: masquerading, generic maps, per-sender relays)
     * but does not yet: the reason and what to do meanwhile.
     */
    record NotYet(Directive directive, String reason, String instead) implements Outcome {
    }

    /** Read and understood, and nothing in Mailferry needs to change for it (the reason says why). */
    record NothingToDo(Directive directive, String reason) implements Outcome {
    }
}
