package org.mailferry.submission;

import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;
import org.mailferry.smtp.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every refusal at the listener, told once: Postfix's {@code NOQUEUE: reject:} log line (its
 * smtpd_check.c format: stage, client, reply, then {@code from= to= proto= helo=}) and a counter per
 * reason, rendered for /metrics as {@code mailferry_smtpd_refusals_total{reason="..."}}. Shared by
 * the listener's sessions; never throws.
 */
public final class Refusals {
    private static final Logger log = LoggerFactory.getLogger("mailferry.smtpd");

    /** Why a command or message was refused: the metric's label. */
    public enum Reason {
        RELAY_DENIED, AUTH_FAILED, MESSAGE_TOO_BIG, BARE_LINE_ENDING, NUL_IN_DATA, LINE_TOO_LONG, TOO_MANY_RECIPIENTS;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The transaction as far as it went: what Postfix appends after the reply. */
    public record Context(String client, String from, String to, String proto, String helo) {
    }

    private final Map<String, LongAdder> counts = new ConcurrentSkipListMap<>();

    public Refusals() {
        for (Reason r : Reason.values()) {
            counts.put(r.label(), new LongAdder());
        }
    }

    /**
     * Logs {@code NOQUEUE: reject: STAGE from CLIENT: REPLY; from=<> to=<> proto= helo=<>} (with
     * {@code suffix} after it, when not empty) and counts the reason. {@code stage} is Postfix's:
     * RCPT, MAIL, DATA, END-OF-MESSAGE, AUTH.
     */
    public void refused(Reason reason, String stage, Reply reply, Context c, String suffix) {
        counts.get(reason.label()).increment();
        StringBuilder sb = new StringBuilder(200).append("NOQUEUE: reject: ").append(stage).append(" from ")
                .append(c.client()).append(": ").append(reply.code());
        if (reply.status() != null) {
            sb.append(' ').append(reply.status());
        }
        sb.append(' ').append(String.join(" ", reply.lines()));
        if (c.from() != null) {
            sb.append("; from=<").append(c.from()).append('>');
            if (c.to() != null) {
                sb.append(" to=<").append(c.to()).append('>');
            }
            sb.append(" proto=").append(c.proto()).append(" helo=<").append(c.helo()).append('>');
        }
        if (!suffix.isEmpty()) {
            sb.append("; ").append(suffix);
        }
        log.warn(sb.toString());
    }

    long count(Reason reason) {
        return counts.get(reason.label()).sum();
    }

    /** The counters in the Prometheus text format, to append to /metrics. */
    public String render() {
        StringBuilder sb = new StringBuilder(512)
                .append("# HELP mailferry_smtpd_refusals_total Commands and messages refused at the listener, by reason.\n")
                .append("# TYPE mailferry_smtpd_refusals_total counter\n");
        counts.forEach((k, v) -> sb.append("mailferry_smtpd_refusals_total{reason=\"").append(k).append("\"} ")
                .append(v.sum()).append('\n'));
        return sb.toString();
    }
}
