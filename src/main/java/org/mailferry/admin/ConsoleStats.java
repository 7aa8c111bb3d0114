package org.mailferry.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.mailferry.delivery.Sites;
import org.mailferry.notify.Json;

/**
 * {@code GET /console/api/stats}: the header's smarthost state and last-hour counters, and the
 * charts' per-minute series over 24 hours with delivery latency percentiles ({@link MinuteCounters}).
 */
final class ConsoleStats {
    private ConsoleStats() {
    }

    static String json(Console.Sources sources) {
        ConsoleEvents events = sources.events();
        MinuteCounters c = events.counters();
        Instant now = events.now();
        List<String> down = new ArrayList<>();
        for (Sites.Down d : sources.down().get()) {
            down.add(Json.object().field("site", d.site()).field("reason", d.reason()).field("since", d.since())
                    .field("failures", d.failures()).field("next_probe", d.nextProbe()).end());
        }
        Json hour = Json.object();
        for (Map.Entry<String, Long> e : events.lastHour().entrySet()) {
            hour.field(e.getKey(), e.getValue());
        }
        MinuteCounters.Series s = c.series(now);
        List<String> series = new ArrayList<>();
        MinuteCounters.Kind[] kinds = MinuteCounters.Kind.values();
        for (int k = 0; k < kinds.length; k++) {
            series.add(Json.object().field("name", kinds[k].name().toLowerCase(java.util.Locale.ROOT))
                    .array("values", numbers(s.counts().get(k))).end());
        }
        List<String> queue = new ArrayList<>(s.queueSize().length);
        for (Long q : s.queueSize()) {
            queue.add(q == null ? "null" : q.toString());
        }
        List<String> latency = new ArrayList<>();
        for (int minutes : new int[] {60, MinuteCounters.MINUTES}) {
            Json l = Json.object().field("window_minutes", minutes);
            for (double p : new double[] {0.5, 0.9, 0.99}) {
                Duration d = c.percentile(now, minutes, p);
                l.raw("p" + Math.round(p * 100), d == null ? "null" : Long.toString(d.toMillis()));
            }
            latency.add(l.end());
        }
        return Json.object().field("now", now).array("smarthosts", sources.smarthosts().get().stream().map(Console::string)
                        .toList()).array("down", down).raw("last_hour", hour.end())
                .field("first_minute", Instant.ofEpochSecond(s.firstMinute() * 60))
                .array("series", series).array("queue_size", queue).array("latency_ms", latency).end();
    }

    private static List<String> numbers(long[] v) {
        List<String> out = new ArrayList<>(v.length);
        for (long x : v) {
            out.add(Long.toString(x));
        }
        return out;
    }
}
