package org.mailferry.notify;

import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each event as one mail.log-style line, queue id first, as Postfix does:
 * <pre>
 * 0DZ3K8H2M4QA: from=&lt;app@example.com&gt;, size=1234, nrcpt=1 (queue active)
 * 0DZ3K8H2M4QA: to=&lt;user@example.net&gt;, relay=smtp.example.com[203.0.113.5]:587, delay=0.41, dsn=2.0.0, status=sent (250 2.0.0 Ok)
 * </pre>
 */
public final class MailLog implements EventListener {
    private final Logger log;

    public MailLog() {
        this(LoggerFactory.getLogger("mailferry.maillog"));
    }

    MailLog(Logger log) {
        this.log = log;
    }

    @Override
    public void on(DeliveryEvent event) {
        log.info(format(event));
    }

    public static String format(DeliveryEvent event) {
        return event.id() + ": " + switch (event) {
            case DeliveryEvent.Received r -> "from=" + r.sender() + ", size=" + r.sizeBytes() + ", nrcpt="
                    + r.recipients() + (r.client().isEmpty() ? "" : ", client=" + r.client()) + " (queue active)";
            case DeliveryEvent.Delivered d -> "to=" + d.recipient() + ", relay=" + d.relay() + ", delay="
                    + seconds(d.delay()) + ", dsn=" + d.dsn() + ", status=sent (" + d.reply() + ")";
            case DeliveryEvent.Deferred d -> "to=" + d.recipient() + ", relay=" + d.relay() + ", delay="
                    + seconds(d.delay()) + ", dsn=" + d.dsn() + ", status=deferred (" + d.reason() + ")";
            case DeliveryEvent.Delayed d -> "to=" + d.recipient() + ", relay=none, delay=" + seconds(d.delay())
                    + ", dsn=4.4.7, status=delayed (" + d.reason() + ")";
            case DeliveryEvent.Bounced b -> "to=" + b.recipient() + ", relay=" + b.relay() + ", delay="
                    + seconds(b.delay()) + ", dsn=" + b.dsn() + ", status=" + (b.expired() ? "expired" : "bounced")
                    + " (" + b.reason() + ")";
            case DeliveryEvent.Deleted d -> "to=" + d.recipient() + ", status=deleted (" + d.reason() + ")";
            case DeliveryEvent.Removed r -> "removed";
        };
    }

    /** "0.05", "9.99", "10", "3600": as "%.2f" below 10 s, "%.0f" above, rounded half up. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        if (ms < 0) { // a clock stepped back
            return String.format(Locale.ROOT, "%.2f", ms / 1000.0);
        }
        if (ms >= 9995) { // 9.995 s and more would print 10.00
            return ms < 10_000 ? "10.00" : Long.toString((ms + 500) / 1000);
        }
        long centis = (ms + 5) / 10; // no Formatter per log line (issue 19)
        long frac = centis % 100;
        return centis / 100 + (frac < 10 ? ".0" : ".") + frac;
    }
}
