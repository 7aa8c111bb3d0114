package org.mailferry.delivery;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.notify.DeliveryEvent;
import org.mailferry.notify.EventListener;
import org.mailferry.smtp.EnhancedStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attempts that failed on our side: an exception anywhere in an attempt (a bug), an envelope or a
 * body that cannot be read. No message leaves the schedule because of one: it gets one log line,
 * the reason on its envelope when that can be written (the queue listing and the status show it),
 * and its place back in the schedule after a backoff that grows with each such failure in a row.
 */
final class Troubles {
    private static final Logger log = LoggerFactory.getLogger("mailferry.qmgr");

    private final Recorder recorder;
    private final Schedule schedule;
    private final RetrySchedule retry;
    private final Clock clock;
    private final EventListener events;
    /** Failures in a row, per message, for the backoff. */
    private final Map<QueueId, Integer> inARow = new ConcurrentHashMap<>();

    Troubles(Recorder recorder, Schedule schedule, RetrySchedule retry, Clock clock, EventListener events) {
        this.recorder = recorder;
        this.schedule = schedule;
        this.retry = retry;
        this.clock = clock;
        this.events = events;
    }

    /** @param env the envelope when it was read, else null; {@code what} failed, {@code t} says how */
    void failed(QueueId id, Envelope env, String what, Throwable t) {
        int n = inARow.merge(id, 1, Integer::sum);
        Instant now = clock.instant();
        Instant next = now.plus(retry.delayAfter(n));
        String reason = what + ": " + describe(t);
        log.warn("{}: {}; trying again at {} ({} time(s) in a row)", id, reason, next, n);
        List<DeliveryEvent> emitted = List.of();
        if (env != null) {
            try {
                emitted = recorder.trouble(env, reason, EnhancedStatus.TEMP_LOCAL_ERROR, now, next).emitted();
            } catch (IOException | RuntimeException e) {
                log.warn("{}: cannot record the reason either: {}", id, e.toString());
            }
        }
        schedule.add(id, next, false);
        emitted.forEach(events::on);
    }

    /** An attempt went through (or the message is gone): the next failure starts the backoff anew. */
    void cleared(QueueId id) {
        inARow.remove(id);
    }

    /** The throwable and where in our code it came from, on one line. */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder(t.toString());
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("org.mailferry.")) {
                sb.append(" at ").append(e.getClassName().substring(e.getClassName().lastIndexOf('.') + 1))
                        .append('.').append(e.getMethodName()).append(':').append(e.getLineNumber());
                break;
            }
        }
        return sb.toString();
    }
}
