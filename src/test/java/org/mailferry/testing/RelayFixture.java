package org.mailferry.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.mailferry.Mailferry;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.ConfigLoader;
import org.mailferry.delivery.RunnerHooks;
import org.mailferry.notify.DeliveryEvent;

/**
 * The real relay on an ephemeral loopback port with a temporary spool, recording its events.
 * Config keys can be set as in mailferry.toml ({@code relay.smarthost} etc.).
 */
public final class RelayFixture implements AutoCloseable {
    public final Path spool;
    private final Map<String, String> settings = new LinkedHashMap<>();
    public final List<DeliveryEvent> events = new CopyOnWriteArrayList<>();
    private Mailferry relay;
    private Clock clock = Clock.systemUTC();
    private org.mailferry.queue.Disk disk = org.mailferry.queue.Disk.system();
    private Path configFile;
    private Map<String, String> env = Map.of();

    public RelayFixture(Path spool) {
        this.spool = spool;
        settings.put("smtpd.listen", "127.0.0.1:0");
        settings.put("queue.spool", spool.toString());
        settings.put("smtpd.hostname", "relay.test");
        settings.put("admin.listen", "127.0.0.1:0");
    }

    public RelayFixture set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    /** The clock the relay runs on (a {@link MutableClock} for lifetimes and delay warnings). */
    public RelayFixture clock(Clock newClock) {
        this.clock = newClock;
        return this;
    }

    /** The disk the spool runs on (a {@link FaultyDisk} to fail writes and syncs or cut the power). */
    public RelayFixture disk(org.mailferry.queue.Disk newDisk) {
        this.disk = newDisk;
        return this;
    }

    public RelayFixture smarthost(int port) {
        return set("relay.smarthost", "[127.0.0.1]:" + port);
    }

    /** A config file the relay reads too, under the settings (which win), as 'serve --config FILE'. */
    public RelayFixture configFile(Path file) {
        this.configFile = file;
        return this;
    }

    /** MAILFERRY_* variables the relay reads, under the settings, as serve's environment. */
    public RelayFixture env(Map<String, String> variables) {
        this.env = Map.copyOf(variables);
        return this;
    }

    public Config config() throws ConfigException {
        return ConfigLoader.read(configFile, settings, env).config();
    }

    public RelayFixture start() throws IOException, ConfigException {
        relay = Mailferry.start(config(), clock, disk);
        relay.events().add(events::add);
        return this;
    }

    public Mailferry relay() {
        return relay;
    }

    public InetSocketAddress address() {
        return relay.listenAddress();
    }

    public int port() {
        return relay.listenAddress().getPort();
    }

    /** Waits until an event of the type for the queue id (or any id when null) has been emitted. */
    public <T extends DeliveryEvent> T await(Class<T> type, String id, long timeout, TimeUnit unit)
            throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (System.nanoTime() < end) {
            for (DeliveryEvent e : events) {
                if (type.isInstance(e) && (id == null || e.id().value().equals(id))) {
                    return type.cast(e);
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no " + type.getSimpleName() + " event for " + id + " within " + timeout + " "
                + unit + "; events: " + events);
    }

    /**
     * Waits for the {@code count}-th event of the type for the queue id, making every queued
     * message due again meanwhile ({@code QueueRunner.flush}), so retries need no waiting.
     */
    public <T extends DeliveryEvent> T flushUntil(Class<T> type, String id, int count, long timeout, TimeUnit unit)
            throws InterruptedException {
        long end = System.nanoTime() + unit.toNanos(timeout);
        while (System.nanoTime() < end) {
            List<T> seen = events.stream().filter(type::isInstance).map(type::cast)
                    .filter(e -> id == null || e.id().value().equals(id)).toList();
            if (seen.size() >= count) {
                return seen.get(count - 1);
            }
            RunnerHooks.flush(relay.runner());
            Thread.sleep(5);
        }
        throw new AssertionError("no " + type.getSimpleName() + " #" + count + " for " + id + " within " + timeout
                + " " + unit + "; events: " + events);
    }

    public <T extends DeliveryEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public void stop() {
        if (relay != null) {
            relay.close();
            relay = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
