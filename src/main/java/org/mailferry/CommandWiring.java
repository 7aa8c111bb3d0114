package org.mailferry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.mailferry.cli.RunningRelay;
import org.mailferry.cli.Wiring;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigSource;
import org.mailferry.notify.EventListener;
import org.mailferry.queue.Disk;
import org.mailferry.queue.Storage;
import org.mailferry.queue.QueueAccess;

/** What the commands need built: the relay, and the parts they use with the daemon stopped. */
final class CommandWiring implements Wiring {
    @Override
    public RunningRelay start(Config config) throws IOException {
        Mailferry m = Mailferry.start(config, Clock.systemUTC());
        return new RunningRelay() {
            @Override
            public InetSocketAddress address() {
                return m.listenAddress();
            }

            @Override
            public void listen(EventListener listener) {
                m.events().add(listener);
            }

            @Override
            public void reloadFrom(ConfigSource source) {
                m.reloadFrom(source);
            }

            @Override
            public boolean reload() {
                return m.reload().applied();
            }

            @Override
            public CompletableFuture<Integer> stopped() {
                return m.stopped();
            }

            @Override
            public void close() {
                m.close();
            }
        };
    }

    @Override
    public Storage spool(Config config) throws IOException {
        return Mailferry.storage(config, Clock.systemUTC(), Disk.system(), "queue");
    }

    @Override
    public EventListener offlineEvents(Config config, Storage spool) throws IOException {
        return Mailferry.webhooks(config, spool, Clock.systemUTC(), Disk.system());
    }

    @Override
    public QueueAccess access(Config config) {
        return Mailferry.access(config);
    }
}
