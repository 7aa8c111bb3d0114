package org.mailferry.delivery;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.mailferry.message.Envelope;
import org.mailferry.queue.Leases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With nodes sharing the queue: the one thread that brings other nodes' work to this one. While
 * this node's workers have room it leases due messages nobody holds (new ones another node left,
 * retries falling due, those of a node whose leases lapsed) and schedules them here; otherwise,
 * or when none are left, it waits for a notification, the next due retry or the poll interval
 * ({@link Leases#awaitWork}). A database that is away is tried again every second, logged once.
 */
public final class ClusterFeed implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    private static final Duration BUSY = Duration.ofMillis(200);

    private final Leases leases;
    private final QueueRunner runner;
    private final int batch;
    private final Duration poll;
    private volatile boolean running;
    private Thread thread;

    ClusterFeed(Leases leases, QueueRunner runner, int batch, Duration poll) {
        this.leases = leases;
        this.runner = runner;
        this.batch = batch;
        this.poll = poll;
    }

    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("queue-feed").daemon(true).start(this::run);
    }

    private void run() {
        boolean failing = false;
        while (running) {
            try {
                int room = batch - runner.dueCount();
                if (room <= 0) {
                    Thread.sleep(BUSY.toMillis()); // this node's workers are busy: leave new work to the others
                    continue;
                }
                List<Envelope> got = leases.claimDue(room);
                got.forEach(runner::claimed);
                if (failing) {
                    log.info("the shared queue answers again");
                    failing = false;
                }
                if (got.size() < room) {
                    leases.awaitWork(poll);
                }
            } catch (IOException | RuntimeException e) {
                if (!failing) {
                    log.warn("cannot claim due messages from the shared queue: {}; trying every second", e.getMessage());
                    failing = true;
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
