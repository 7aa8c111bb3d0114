package org.mailferry.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.mailferry.notify.DeliveryEvent;

/** Submits a message and waits for what became of it; test resources as paths. */
public final class Outcomes {
    private Outcomes() {
    }

    /** The Message-ID header value used for {@code marker}. */
    public static String messageId(String marker) {
        return "<" + marker + "@mailferry.test>";
    }

    /** Submits a message to the relay and waits for its first outcome: Delivered, Deferred or Bounced. */
    public static DeliveryEvent andAwait(RelayFixture r, String marker) throws IOException, InterruptedException {
        return andAwait(r, "app@example.com", marker);
    }

    /** The same from {@code sender} (the envelope sender and the From: address). */
    public static DeliveryEvent andAwait(RelayFixture r, String sender, String marker)
            throws IOException, InterruptedException {
        String id = Submit.message(r.address(), sender, "user@example.net", messageId(marker));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < end) {
            for (DeliveryEvent e : r.events) {
                if (e.id().value().equals(id) && (e instanceof DeliveryEvent.Delivered
                        || e instanceof DeliveryEvent.Deferred || e instanceof DeliveryEvent.Bounced)) {
                    return e;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no outcome for " + id + ": " + r.events);
    }

    /** The file system path of a test resource (e.g. "tls/ca.pem"). */
    public static Path resource(String name) {
        try {
            return Path.of(Objects.requireNonNull(Outcomes.class.getClassLoader().getResource(name), name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
