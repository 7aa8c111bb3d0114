package org.mailferry.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test opened (smarthosts, relays, logs), closed in reverse order after it: a field
 * annotated with JUnit's {@code @AutoClose}.
 */
public final class Closer implements AutoCloseable {
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Closes {@code c} after the test, before whatever was added earlier. */
    public <T extends AutoCloseable> T add(T c) {
        opened.add(c);
        return c;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : opened.reversed()) {
            c.close();
        }
    }
}
