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

    public Metrics() {
        EventType.NAMES.forEach(n -> counts.put(n, new LongAdder()));
    }

    @Override
    public void on(DeliveryEvent event) {
        counts.computeIfAbsent(EventType.of(event), k -> new LongAdder()).increment();
    }

    public long count(String type) {
        LongAdder a = counts.get(type);
        return a == null ? 0 : a.sum();
    }

    /** The exposition text; {@code gauges} maps a metric name to its help text and value. */
    public String render(Map<String, Map.Entry<String, Long>> gauges) {
        StringBuilder sb = new StringBuilder(1024);
        sb.append("# HELP mailferry_events_total Delivery events since start, by type.\n");
        sb.append("# TYPE mailferry_events_total counter\n");
        for (String type : EventType.NAMES) {
            sb.append("mailferry_events_total{type=\"").append(type).append("\"} ").append(count(type)).append('\n');
        }
        gauges.forEach((name, help) -> sb.append("# HELP ").append(name).append(' ').append(help.getKey())
                .append('\n').append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(help.getValue()).append('\n'));
        return sb.toString();
    }
}
