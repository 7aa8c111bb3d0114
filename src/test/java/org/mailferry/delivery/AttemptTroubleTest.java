package org.mailferry.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.mailferry.cli.QueueListing;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigLoader;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.message.Recipient;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.queue.JournalSpool;
import org.mailferry.queue.Spool;
import org.mailferry.testing.MutableClock;
import org.mailferry.testing.TestSmarthost;

/**
 * Code throws: wherever an attempt fails on our side (the envelope cannot be loaded, the body
 * cannot be opened, recording the outcome throws), the message stays in the schedule, is tried
 * again after a backoff on the test's clock, and is delivered; the queue listing says why
 * meanwhile. The spool is the real one, wrapped only to throw once where a real disk cannot on
 * demand.
 */
class AttemptTroubleTest {
    /** Where the spool fails: loads until repaired, the others once. */
    enum Fault { LOAD_RUNTIME, LOAD_IO, BODY_RUNTIME, BODY_IO, RECORD_RUNTIME }

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final List<DeliveryEvent> events = new CopyOnWriteArrayList<>();
    private final TestSmarthost smarthost = new TestSmarthost();
    private JournalSpool real;
    private QueueRunner runner;

    @AfterEach
    void stop() {
        if (runner != null) {
            runner.close();
        }
        if (real != null) {
            real.close();
        }
        smarthost.close();
    }

    @ParameterizedTest
    @EnumSource(Fault.class)
    void aThrowInsideAnAttemptReschedulesWithBackoffThenDelivers(Fault fault) throws Exception {
        Config config = ConfigLoader.load(null, Map.of("relay.smarthost", "[127.0.0.1]:" + smarthost.port(),
                "queue.spool", dir.toString(), "queue.retry_min", "5m", "queue.retry_max", "1h",
                "smtpd.hostname", "relay.test"));
        real = new JournalSpool(dir, clock, config.queue().journalLimitBytes());
        real.recover();
        FaultySpool spool = new FaultySpool(real, fault);
        runner = DeliveryWiring.of(spool, config, events::add, clock).runner();
        Envelope env = queue(real);
        runner.start();
        runner.schedule(env);

        await(() -> spool.fired.get() >= 1 && runner.scheduledCount() == 1, "the fault, then back in the schedule");
        boolean load = fault.name().startsWith("LOAD");
        String listing = listing(load ? spool : real);
        assertThat(listing).contains(env.id().value()).contains(switch (fault) {
            case LOAD_RUNTIME, LOAD_IO -> "(cannot read the envelope: ";
            case BODY_IO -> "(cannot read the message body from the spool: java.io.IOException: injected";
            case BODY_RUNTIME, RECORD_RUNTIME -> "(attempt failed on our side: java.lang.IllegalStateException: "
                    + "injected at AttemptTroubleTest$FaultySpool.strike:";
        });
        // the smarthost took it, but that could not be recorded: sent again (at least once, never zero)
        int copies = fault == Fault.RECORD_RUNTIME ? 2 : 1;
        assertThat(smarthost.all()).hasSize(copies - 1);
        spool.repair();

        clock.advance(Duration.ofHours(2)); // past any backoff
        runner.wake();
        await(() -> events.stream().anyMatch(e -> e instanceof DeliveryEvent.Removed r && r.id().equals(env.id())),
                "delivered on the next try");
        assertThat(smarthost.all()).hasSize(copies);
        assertThat(runner.scheduledCount()).isZero();
    }

    private String listing(Spool spool) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        QueueListing.print(spool, new PrintStream(b, true, StandardCharsets.UTF_8), ZoneOffset.UTC);
        return b.toString(StandardCharsets.UTF_8);
    }

    private Envelope queue(Spool spool) throws IOException {
        byte[] body = "Subject: trouble\r\n\r\nHello\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Spool.Incoming in = spool.create()) {
            in.body().write(body);
            Envelope e = new Envelope(in.id(), clock.instant(), new Address("app@example.com"),
                    List.of(new Recipient(new Address("user@example.net"), Recipient.State.PENDING, "", "", "")),
                    "7BIT", false, body.length, "", "", "[127.0.0.1]", 0, clock.instant(), false, List.of());
            spool.commit(in, e);
            return e;
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 15 s: " + what);
            }
            Thread.sleep(5);
        }
    }

    /** The real spool, failing once where the fault says. */
    private static final class FaultySpool implements Spool {
        private final Spool real;
        private final Fault fault;
        final AtomicInteger fired = new AtomicInteger();

        FaultySpool(Spool real, Fault fault) {
            this.real = real;
            this.fault = fault;
        }

        private volatile boolean repaired;

        void repair() {
            repaired = true;
        }

        private void strike(Fault at, boolean io) throws IOException {
            boolean persistent = at == Fault.LOAD_IO || at == Fault.LOAD_RUNTIME;
            if (fault == at && !repaired && (persistent ? fired.incrementAndGet() > 0 : fired.compareAndSet(0, 1))) {
                if (io) {
                    throw new IOException("injected");
                }
                throw new IllegalStateException("injected");
            }
        }

        @Override
        public Envelope load(QueueId id) throws IOException {
            strike(Fault.LOAD_RUNTIME, false);
            strike(Fault.LOAD_IO, true);
            return real.load(id);
        }

        @Override
        public InputStream openBody(QueueId id) throws IOException {
            strike(Fault.BODY_RUNTIME, false);
            strike(Fault.BODY_IO, true);
            return real.openBody(id);
        }

        @Override
        public void update(Envelope envelope) throws IOException {
            strike(Fault.RECORD_RUNTIME, false);
            real.update(envelope);
        }

        @Override
        public Incoming create() throws IOException {
            return real.create();
        }

        @Override
        public void commit(Incoming incoming, Envelope envelope) throws IOException {
            real.commit(incoming, envelope);
        }

        @Override
        public List<QueueId> ids() throws IOException {
            return real.ids();
        }

        @Override
        public void remove(QueueId id) throws IOException {
            real.remove(id);
        }

        @Override
        public void retire(Envelope finished) throws IOException {
            strike(Fault.RECORD_RUNTIME, false);
            real.retire(finished);
        }

        @Override
        public void forEach(Consumer<Envelope> each) throws IOException {
            real.forEach(each);
        }
    }
}
