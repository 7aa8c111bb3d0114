package org.mailferry.notify;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts events per type since start and writes them, with gauges given by the caller, in the
 * Prometheus text exposition format (version 0.0.4). No labels but the event type; no secrets.
 */
public final class Metrics implements EventListener {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder noticesLost = new LongAdder();

    public Metrics() {
        EventType.NAMES.forEach(n -> counts.put(n, new LongAdder()));
    }

    @Override
    public void on(DeliveryEvent event) {
        counts.computeIfAbsent(EventType.of(event), k -> new LongAdder()).increment();
        if (event instanceof DeliveryEvent.Bounced && event.sender().isNull()) {
            noticesLost.increment(); // a DSN (null sender) that failed: nobody else will hear of it
        }
    }

    public long count(String type) {
        LongAdder a = counts.get(type);
        return a == null ? 0 : a.sum();
    }

    /** Notices (DSNs, from the null sender) that bounced or expired: lost, since a bounce is never bounced. */
    public long noticesLost() {
        return noticesLost.sum();
    }

    /** The exposition text; {@code gauges} maps a metric name to its help text and value. */
    public String render(Map<String, Map.Entry<String, Long>> gauges) {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("# HELP mailferry_events_total Delivery events since start, by type.\n");
        sb.append("# TYPE mailferry_events_total counter\n");
        for (String type : EventType.NAMES) {
            sb.append("mailferry_events_total{type=\"").append(type).append("\"} ").append(count(type)).append('\n');
        }
        sb.append("# HELP mailferry_notices_lost_total Notices (DSNs) that could not be delivered, by recipient.\n")
                .append("# TYPE mailferry_notices_lost_total counter\n")
                .append("mailferry_notices_lost_total ").append(noticesLost.sum()).append('\n');
        gauges.forEach((name, help) -> sb.append("# HELP ").append(name).append(' ').append(help.getKey())
                .append('\n').append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(help.getValue()).append('\n'));
        return sb.toString();
    }
}
