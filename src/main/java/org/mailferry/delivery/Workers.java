package org.mailferry.delivery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.mailferry.message.QueueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery threads: each takes the next due message from the {@link Schedule} and hands it,
 * with the connection it kept from the last one, to the job; an idle connection is closed after
 * relay.connection_reuse_time. At shutdown only a thread waiting for a due message is interrupted,
 * never one inside an attempt, where an interrupt in FileChannel.force would close the spool's
 * channel under everyone; those finish their attempt (its timeouts bound it).
 */
final class Workers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");
    /** How long a worker waits for a due message before looking at the clock again anyway. */
    private static final Duration IDLE = Duration.ofMinutes(1);

    /** One attempt: returns the connection to keep for the next message, or null. Never throws. */
    interface Job {
        SmtpClient run(QueueId id, SmtpClient connection);
    }

    private final Schedule schedule;
    private final Clock clock;
    private final Duration reuse;
    private Job job;
    private final List<Thread> threads = new ArrayList<>();
    /** Workers waiting for a due message: the only ones close() interrupts. */
    private final Set<Thread> idle = new HashSet<>();
    private volatile boolean running;

    Workers(Schedule schedule, Clock clock, Duration connectionReuseTime) {
        this.schedule = schedule;
        this.clock = clock;
        this.reuse = connectionReuseTime;
    }

    /** Starts {@code n} workers, each running {@code job} for every due message it takes. */
    void start(int n, Job job) {
        this.job = job;
        running = true;
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().name("delivery-" + i).daemon(true).start(this::work));
        }
    }

    private void work() {
        SmtpClient connection = null;
        while (true) {
            QueueId id = next(connection == null ? IDLE : reuse);
            if (!running) {
                if (id != null) {
                    schedule.add(id, clock.instant(), false); // shutting down: back for the next start
                }
                break;
            }
            if (id == null) {
                if (connection != null) {
                    connection.close(); // idle too long: give the connection back
                    connection = null;
                }
                continue;
            }
            try {
                connection = job.run(id, connection);
            } catch (Throwable t) { // the job handles its own; never lose the worker
                log.error("{}: delivery worker caught {}", id, Troubles.describe(t));
                schedule.addIfAbsent(id, clock.instant().plusSeconds(60), false);
                connection = null;
            }
        }
        if (connection != null) {
            connection.close();
        }
    }

    /** The next due message, or null after {@code patience} or at shutdown. */
    private QueueId next(Duration patience) {
        synchronized (idle) {
            if (!running) {
                return null;
            }
            idle.add(Thread.currentThread());
        }
        try {
            return schedule.take(patience);
        } catch (InterruptedException e) {
            return null;
        } finally {
            synchronized (idle) {
                idle.remove(Thread.currentThread());
                Thread.interrupted(); // an interrupt that came after take() returned: running is false
            }
        }
    }

    @Override
    public void close() {
        synchronized (idle) {
            running = false;
            idle.forEach(Thread::interrupt);
        }
        for (Thread t : threads) {
            try {
                t.join(5000); // a worker inside an attempt finishes it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
