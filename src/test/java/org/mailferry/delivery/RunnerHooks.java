package org.mailferry.delivery;

/**
 * The scheduler's test hooks, for tests outside this package: they are package-private in
 * {@link QueueRunner}, not public API.
 */
public final class RunnerHooks {
    private RunnerHooks() {
    }

    /** {@link QueueRunner#flush()}: every scheduled message and every down site's probe due now. */
    public static int flush(QueueRunner runner) {
        return runner.flush();
    }
}
