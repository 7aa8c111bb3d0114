package org.mailferry.config;

/**
 * A password, token or client secret. Its {@code toString} never shows the value, so a secret
 * inside a record that is logged or printed stays hidden; only {@link #reveal()} gives it out.
 */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    /** The value itself, for the one place that puts it on the wire. */
    public String reveal() {
        return value;
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return "(secret)";
    }
}
